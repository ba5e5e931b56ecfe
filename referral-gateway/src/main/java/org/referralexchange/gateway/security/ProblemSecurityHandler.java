package org.referralexchange.gateway.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Answers 401 {@code unauthenticated} and 403 {@code forbidden} as problem details, with the
 * challenges a client needs in {@code WWW-Authenticate}, and counts each authentication failure by
 * reason in {@code gateway.auth.failures}.
 */
final class ProblemSecurityHandler implements AuthenticationEntryPoint, AccessDeniedHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemSecurityHandler.class);

  private final boolean bearerTokensAccepted;
  private final ProblemResponses problems;
  private final MeterRegistry meters;

  ProblemSecurityHandler(
      boolean bearerTokensAccepted, ProblemResponses problems, MeterRegistry meters) {
    this.bearerTokensAccepted = bearerTokensAccepted;
    this.problems = problems;
    this.meters = meters;
  }

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException exception)
      throws IOException {
    AuthFailure failure = AuthFailure.of(exception);
    Counter.builder("gateway.auth.failures")
        .description("Requests refused because they did not authenticate an agency")
        .tag("reason", failure.reason())
        .register(meters)
        .increment();
    log.debug("Refused {} {}: {}", request.getMethod(), request.getRequestURI(), failure.reason());

    response.addHeader(
        HttpHeaders.WWW_AUTHENTICATE,
        "ApiKey header=\"" + ApiKeyAuthenticationConverter.HEADER + "\"");
    if (bearerTokensAccepted) {
      response.addHeader(
          HttpHeaders.WWW_AUTHENTICATE,
          exception instanceof OAuth2AuthenticationException
              ? "Bearer error=\"invalid_token\""
              : "Bearer");
    }
    String detail =
        failure == AuthFailure.MISSING_CREDENTIALS
            ? "Send the agency's API key in the X-Api-Key header"
                + (bearerTokensAccepted ? " or an OAuth2 bearer token." : ".")
            : failure.detail();
    problems.send(
        request,
        response,
        ProblemTypes.problem(
            HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHENTICATED, "Unauthenticated", detail));
  }

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, AccessDeniedException exception)
      throws IOException {
    log.debug("Forbade {} {}", request.getMethod(), request.getRequestURI());
    problems.send(
        request,
        response,
        ProblemTypes.problem(
            HttpStatus.FORBIDDEN,
            ProblemTypes.FORBIDDEN,
            "Forbidden",
            "The authenticated caller may not do this."));
  }
}
