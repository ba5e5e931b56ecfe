package org.referralexchange.gateway.problem;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.ErrorResponseException;

/**
 * A refusal the gateway decided on: the status, the stable type, and words for people, as Spring's
 * own {@link ErrorResponseException}, so the MVC exception handling answers it with its body and
 * headers ({@code Retry-After}) as they are. Thrown before anything is published, so a refused
 * request changes nothing. Details never contain client data.
 */
public class GatewayProblem extends ErrorResponseException {

  private final String slug;

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
    super(status, ProblemTypes.problem(status, slug, title, detail), null);
    this.slug = slug;
    properties.forEach(getBody()::setProperty);
    retryAfter.ifPresent(
        wait -> getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(wait.toSeconds())));
  }

  /** The thing does not exist, or the caller may not know that it does: the same answer. */
  public static GatewayProblem notFound(String what, String id) {
    return new GatewayProblem(
        HttpStatus.NOT_FOUND,
        ProblemTypes.NOT_FOUND,
        "Not found",
        "No " + what + " '" + id + "' is visible to this agency.");
  }

  /** The stable type's slug ({@code /problems/<slug>}). */
  public String slug() {
    return slug;
  }

  /** The words for people: the problem's {@code title} and {@code detail}. */
  public String title() {
    return getBody().getTitle();
  }

  public String detail() {
    return getBody().getDetail();
  }

  /** A refusal is control flow with a stable answer: no stack trace to fill in or log. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
