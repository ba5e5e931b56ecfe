package org.referralexchange.bench.minimal;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * One stateless filter chain, built as the gateway's: an {@link AuthenticationFilter} reads the
 * {@code X-Api-Key} header and a provider compares its SHA-256 with the configured hash in constant
 * time; {@code /api/**} needs the agency role. No JWT, rate limit, size limit or problem details:
 * those are the gateway's own.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
class MinimalSecurity {

  static final String HEADER = "X-Api-Key";
  private static final String ROLE = "AGENCY";

  /**
   * A bean rather than a private object so that Spring Boot's generated-password user stays out (it
   * backs off when an authentication provider is present), as it does in the gateway.
   */
  @Bean
  AuthenticationProvider apiKeyProvider(MinimalProperties properties) {
    byte[] expected = HexFormat.of().parseHex(properties.apiKeySha256());
    SimpleGrantedAuthority agency = new SimpleGrantedAuthority("ROLE_" + ROLE);
    return new AuthenticationProvider() {
      @Override
      public Authentication authenticate(Authentication presented) {
        if (!(presented.getCredentials() instanceof String key)
            || !MessageDigest.isEqual(expected, sha256(key))) {
          throw new BadCredentialsException("Unknown API key");
        }
        return UsernamePasswordAuthenticationToken.authenticated(
            properties.agencyId(), null, List.of(agency));
      }

      @Override
      public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
      }
    };
  }

  @Bean
  SecurityFilterChain minimalSecurityFilterChain(
      HttpSecurity http, AuthenticationProvider apiKeyProvider) throws Exception {
    HttpStatusEntryPoint unauthorized = new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED);
    AuthenticationFilter apiKeys =
        new AuthenticationFilter(new ProviderManager(apiKeyProvider), MinimalSecurity::apiKey);
    apiKeys.setSuccessHandler((request, response, authentication) -> {});
    apiKeys.setFailureHandler(new AuthenticationEntryPointFailureHandler(unauthorized));
    http.csrf(AbstractHttpConfigurer::disable)
        .httpBasic(AbstractHttpConfigurer::disable)
        .formLogin(AbstractHttpConfigurer::disable)
        .logout(AbstractHttpConfigurer::disable)
        .requestCache(AbstractHttpConfigurer::disable)
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized))
        .authorizeHttpRequests(
            authorize ->
                authorize.requestMatchers("/api/**").hasRole(ROLE).anyRequest().permitAll())
        .addFilterBefore(apiKeys, BasicAuthenticationFilter.class);
    return http.build();
  }

  /** No header: nothing to authenticate, and authorization refuses the call. */
  private static Authentication apiKey(HttpServletRequest request) {
    String key = request.getHeader(HEADER);
    return key == null
        ? null
        : UsernamePasswordAuthenticationToken.unauthenticated(null, key.strip());
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
  }
}
