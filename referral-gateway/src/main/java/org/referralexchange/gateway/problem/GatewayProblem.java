package org.referralexchange.gateway.problem;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * A refusal the gateway decided on: the status, the stable type, and words for people. Thrown
 * before anything is published, so a refused request changes nothing. Messages never contain client
 * data.
 */
public class GatewayProblem extends RuntimeException {

  private final HttpStatusCode status;
  private final String slug;
  private final String title;
  private final Map<String, Object> properties;
  private final Optional<Duration> retryAfter;

  public GatewayProblem(HttpStatusCode status, String slug, String title, String detail) {
    this(status, slug, title, detail, Map.of(), Optional.empty());
  }

  public GatewayProblem(
      HttpStatusCode status,
      String slug,
      String title,
      String detail,
      Map<String, Object> properties,
      Optional<Duration> retryAfter) {
    super(detail, null, false, false);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.properties = Map.copyOf(properties);
    this.retryAfter = retryAfter;
  }

  /** The thing does not exist, or the caller may not know that it does: the same answer. */
  public static GatewayProblem notFound(String what, String id) {
    return new GatewayProblem(
        HttpStatus.NOT_FOUND,
        ProblemTypes.NOT_FOUND,
        "Not found",
        "No " + what + " '" + id + "' is visible to this agency.");
  }

  public ProblemDetail toProblemDetail() {
    ProblemDetail problem = ProblemTypes.problem(status, slug, title, getMessage());
    properties.forEach(problem::setProperty);
    return problem;
  }

  public HttpStatusCode status() {
    return status;
  }

  public String slug() {
    return slug;
  }

  public Optional<Duration> retryAfter() {
    return retryAfter;
  }
}
