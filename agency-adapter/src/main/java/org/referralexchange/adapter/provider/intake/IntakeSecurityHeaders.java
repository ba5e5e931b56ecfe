package org.referralexchange.adapter.provider.intake;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The intake pages' response headers: a Content-Security-Policy allowing no script at all and
 * styles from this origin only, no framing, no referrer (the link is a capability and must not leak
 * to another site through a Referer), no caching of pages holding client data.
 */
@Configuration(proxyBeanMethods = false)
class IntakeSecurityHeaders {

  static final String CSP =
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
          + " frame-ancestors 'none'; base-uri 'none'";

  @Bean
  FilterRegistrationBean<OncePerRequestFilter> intakeHeaders() {
    FilterRegistrationBean<OncePerRequestFilter> registration =
        new FilterRegistrationBean<>(
            new OncePerRequestFilter() {
              @Override
              protected void doFilterInternal(
                  HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                  throws ServletException, IOException {
                response.setHeader("Content-Security-Policy", CSP);
                response.setHeader("Referrer-Policy", "no-referrer");
                response.setHeader("X-Content-Type-Options", "nosniff");
                response.setHeader("X-Frame-Options", "DENY");
                response.setHeader("Cache-Control", "no-store");
                chain.doFilter(request, response);
              }
            });
    registration.addUrlPatterns("/intake/*");
    registration.setName("intakeSecurityHeaders");
    return registration;
  }
}
