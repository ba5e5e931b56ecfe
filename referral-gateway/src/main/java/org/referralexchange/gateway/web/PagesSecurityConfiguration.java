package org.referralexchange.gateway.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.referralexchange.gateway.config.GatewayProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.DefaultRedirectStrategy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;

/**
 * The pages' own filter chain, ordered before the API's and independent of it: the API stays
 * stateless (API keys, bearer tokens, no cookie), the pages have a session cookie, CSRF tokens on
 * every form and a sign-in. A link to a page grants nothing: without a session the browser is sent
 * to {@code /sign-in} and, once signed in, back to the page it asked for.
 */
@Configuration(proxyBeanMethods = false)
class PagesSecurityConfiguration {

  /** No script at all; styles and forms from this origin only; never framed. */
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

  static final String[] PAGE_PATHS = {
    "/referrals",
    "/referrals/**",
    "/sign-in",
    "/sign-in/**",
    "/sign-out",
    "/login/**",
    "/oauth2/**",
    "/css/**"
  };

  @Bean
  @Order(1)
  SecurityFilterChain pagesSecurityFilterChain(
      HttpSecurity http,
      GatewayProperties gateway,
      WebProperties web,
      ObjectProvider<ClientRegistrationRepository> registrations)
      throws Exception {
    AccessDeniedHandlerImpl refused = new AccessDeniedHandlerImpl();
    // A form without a valid CSRF token (forged, or its session expired): a page saying so.
    refused.setErrorPage(SignInController.REFUSED_PATH);
    http.securityMatcher(PAGE_PATHS)
        .httpBasic(AbstractHttpConfigurer::disable)
        .authorizeHttpRequests(
            authorize ->
                authorize
                    .requestMatchers(
                        "/sign-in", "/sign-in/**", "/login/**", "/oauth2/**", "/css/**")
                    .permitAll()
                    .anyRequest()
                    .hasRole(StaffMember.ROLE))
        .exceptionHandling(
            e -> e.authenticationEntryPoint(signInFirst()).accessDeniedHandler(refused))
        .headers(
            headers ->
                headers
                    .contentSecurityPolicy(csp -> csp.policyDirectives(CSP))
                    .frameOptions(frame -> frame.deny())
                    .referrerPolicy(
                        referrer ->
                            referrer.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN)))
        .logout(
            logout ->
                logout
                    .logoutUrl("/sign-out")
                    .logoutSuccessUrl("/sign-in?signed-out")
                    .deleteCookies("JSESSIONID"));
    if (web.demoSignIn().enabled()) {
      http.authenticationProvider(demoStaff(gateway, web))
          .formLogin(
              form ->
                  form.loginPage("/sign-in")
                      .loginProcessingUrl(SignInController.DEMO_PATH)
                      .usernameParameter("staffId")
                      .passwordParameter("unused")
                      .defaultSuccessUrl("/referrals")
                      .failureUrl("/sign-in?refused"));
    } else {
      http.formLogin(AbstractHttpConfigurer::disable);
    }
    ClientRegistrationRepository oidc = registrations.getIfAvailable();
    if (oidc != null) {
      http.oauth2Login(
          login ->
              login
                  .loginPage("/sign-in")
                  .clientRegistrationRepository(oidc)
                  .userInfoEndpoint(
                      userInfo -> userInfo.oidcUserService(new StaffOidcUserService(gateway, web)))
                  .defaultSuccessUrl("/referrals")
                  .failureUrl("/sign-in?refused"));
    }
    return http.build();
  }

  /**
   * To the sign-in page (the request cache keeps the page asked for); a session cookie the server
   * no longer knows says the session expired, and the sign-in page says so.
   */
  private static AuthenticationEntryPoint signInFirst() {
    DefaultRedirectStrategy redirect = new DefaultRedirectStrategy();
    return (request, response, e) ->
        redirect.sendRedirect(
            request, response, expired(request) ? "/sign-in?expired" : "/sign-in");
  }

  private static boolean expired(HttpServletRequest request) {
    return request.getRequestedSessionId() != null && !request.isRequestedSessionIdValid();
  }

  /**
   * The demo sign-in: choosing one of the configured demo staff is the whole proof. Only installed
   * when {@code gateway.web.demo-sign-in.enabled}, which only the local run sets.
   */
  private static AuthenticationProvider demoStaff(GatewayProperties gateway, WebProperties web) {
    return new AuthenticationProvider() {
      @Override
      public Authentication authenticate(Authentication authentication) {
        WebProperties.DemoStaff staff =
            web.demoSignIn()
                .find(authentication.getName())
                .filter(s -> gateway.agency(s.agencyId()).isPresent())
                .orElseThrow(() -> new BadCredentialsException("Not a demo staff member"));
        return UsernamePasswordAuthenticationToken.authenticated(
            new StaffMember(staff.agencyId(), staff.id(), staff.name()),
            null,
            List.of(new SimpleGrantedAuthority("ROLE_" + StaffMember.ROLE)));
      }

      @Override
      public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
      }
    };
  }
}
