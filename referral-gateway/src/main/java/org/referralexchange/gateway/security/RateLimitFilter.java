package org.referralexchange.gateway.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses an agency's requests beyond its per-minute limit with 429 {@code rate-limited} and a
 * {@code Retry-After}. Runs after authorization: only authenticated agencies are charged, and an
 * unauthenticated flood has been answered 401 before it gets here.
 */
final class RateLimitFilter extends OncePerRequestFilter {

  private final AgencyRateLimiter limiter;
  private final ProblemResponses problems;
  private final MeterRegistry meters;

  RateLimitFilter(AgencyRateLimiter limiter, ProblemResponses problems, MeterRegistry meters) {
    this.limiter = limiter;
    this.problems = problems;
    this.meters = meters;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Optional<String> agency =
        AgencyAuthority.agencyId(SecurityContextHolder.getContext().getAuthentication());
    Optional<Duration> retryAfter = agency.flatMap(limiter::acquire);
    if (retryAfter.isEmpty()) {
      chain.doFilter(request, response);
      return;
    }
    Counter.builder("gateway.rate_limited")
        .description("Requests refused because the agency exceeded its per-minute limit")
        .tag("agency", agency.get())
        .register(meters)
        .increment();
    long seconds = retryAfter.get().toSeconds();
    response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
    problems.send(
        request,
        response,
        ProblemTypes.problem(
            HttpStatus.TOO_MANY_REQUESTS,
            ProblemTypes.RATE_LIMITED,
            "Too many requests",
            "This agency may send "
                + limiter.requestsPerMinute()
                + " requests a minute; retry after "
                + seconds
                + " s."));
  }
}
