package org.referralexchange.gateway.security;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import java.time.Clock;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.referralexchange.gateway.config.GatewayProperties;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * The gateway's one security filter chain. Every {@code /api/**} call is an agency, authenticated
 * by an {@code X-Api-Key} (always) or an OAuth2 JWT bearer token (when Spring Boot has a {@link
 * JwtDecoder}, i.e. {@code spring.security.oauth2.resourceserver.jwt.issuer-uri}, {@code
 * jwk-set-uri} or {@code public-key-location} is set). Then, in order: authorization, the agency's
 * rate limit, the body size limit, the controller. Stateless: no session, no cookie, so no CSRF.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
class SecurityConfiguration {

  /** Open to anyone; production keeps {@code /actuator/prometheus} to its own network. */
  static final String[] PUBLIC_PATHS = {
    "/actuator/health/**",
    "/actuator/info",
    "/actuator/prometheus",
    "/v3/api-docs/**",
    "/swagger-ui/**",
    "/swagger-ui.html",
    "/problems/**"
  };

  /**
   * Requests Spring Security's firewall refuses before any controller (a control character, an
   * encoded slash, {@code //} in the path) are answered like every other refusal: a problem detail
   * of type {@code malformed-request}, not Spring Boot's error JSON. The refused text is not echoed
   * back.
   */
  @Bean
  RequestRejectedHandler problemForRejectedRequests() {
    ProblemResponses problems = new ProblemResponses();
    return (request, response, rejected) ->
        problems.send(
            request,
            response,
            ProblemTypes.problem(
                HttpStatus.BAD_REQUEST,
                ProblemTypes.MALFORMED_REQUEST,
                "Malformed request",
                "The request's path or headers contain characters the API does not accept (for"
                    + " example an encoded slash or a control character)."));
  }

  /**
   * Tomcat itself answers an encoded slash ({@code %2F}) in the path with its own HTML page; passed
   * through, it reaches the firewall above and gets a problem detail instead.
   */
  @Bean
  TomcatConnectorCustomizer encodedSlashesReachTheFirewall() {
    return connector ->
        connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue());
  }

  @Bean
  AgencyRateLimiter agencyRateLimiter(GatewayProperties properties, ObjectProvider<Clock> clock) {
    return new AgencyRateLimiter(
        properties.limits().requestsPerMinute(), clock.getIfUnique(Clock::systemUTC));
  }

  @Bean
  SecurityFilterChain gatewaySecurityFilterChain(
      HttpSecurity http,
      GatewayProperties properties,
      AgencyRateLimiter rateLimiter,
      ObjectProvider<JwtDecoder> jwtDecoder,
      ObjectProvider<MeterRegistry> meterRegistry)
      throws Exception {
    MeterRegistry meters = meterRegistry.getIfUnique(SimpleMeterRegistry::new);
    JwtDecoder decoder = jwtDecoder.getIfUnique();
    ProblemResponses problems = new ProblemResponses();
    ProblemSecurityHandler handler = new ProblemSecurityHandler(decoder != null, problems, meters);

    AuthenticationFilter apiKeys =
        new AuthenticationFilter(
            new ProviderManager(new ApiKeyAuthenticationProvider(properties)),
            new ApiKeyAuthenticationConverter());
    apiKeys.setSuccessHandler((request, response, authentication) -> {});
    apiKeys.setFailureHandler(new AuthenticationEntryPointFailureHandler(handler));

    http.csrf(AbstractHttpConfigurer::disable)
        .httpBasic(AbstractHttpConfigurer::disable)
        .formLogin(AbstractHttpConfigurer::disable)
        .logout(AbstractHttpConfigurer::disable)
        .requestCache(AbstractHttpConfigurer::disable)
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .exceptionHandling(e -> e.authenticationEntryPoint(handler).accessDeniedHandler(handler))
        .authorizeHttpRequests(
            authorize ->
                authorize
                    .dispatcherTypeMatchers(DispatcherType.ERROR)
                    .permitAll()
                    .requestMatchers(PUBLIC_PATHS)
                    .permitAll()
                    .requestMatchers("/api/**")
                    .hasRole(AgencyAuthority.ROLE)
                    .anyRequest()
                    .authenticated())
        .addFilterBefore(apiKeys, BearerTokenAuthenticationFilter.class)
        // Same position: the filters run in the order added (rate limit, then size limit).
        .addFilterAfter(
            new RateLimitFilter(rateLimiter, problems, meters), AuthorizationFilter.class)
        .addFilterAfter(
            new RequestSizeLimitFilter(properties.limits().maxRequestBytes(), problems),
            AuthorizationFilter.class);
    if (decoder != null) {
      http.oauth2ResourceServer(
          resourceServer ->
              resourceServer
                  .jwt(
                      jwt ->
                          jwt.decoder(decoder)
                              .jwtAuthenticationConverter(
                                  new AgencyJwtAuthenticationConverter(properties)))
                  .authenticationEntryPoint(handler)
                  .accessDeniedHandler(handler));
    }
    return http.build();
  }
}
