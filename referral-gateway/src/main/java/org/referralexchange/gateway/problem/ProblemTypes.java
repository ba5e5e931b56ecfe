package org.referralexchange.gateway.problem;

import java.net.URI;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * The stable problem types of the gateway's API. A type is a relative URI {@code /problems/<slug>}
 * (RFC 9457 allows relative references); clients switch on it, people read {@code title} and {@code
 * detail}. Consent refusals use the refusing policy's name as the slug.
 */
public final class ProblemTypes {

  public static final String VALIDATION = "validation-failed";
  public static final String MALFORMED_REQUEST = "malformed-request";
  public static final String UNAUTHENTICATED = "unauthenticated";
  public static final String FORBIDDEN = "forbidden";
  public static final String NOT_FOUND = "not-found";
  public static final String METHOD_NOT_ALLOWED = "method-not-allowed";
  public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type";
  public static final String NOT_ACCEPTABLE = "not-acceptable";
  public static final String PAYLOAD_TOO_LARGE = "payload-too-large";
  public static final String RATE_LIMITED = "rate-limited";
  public static final String IDEMPOTENCY_KEY_MISSING = "idempotency-key-missing";
  public static final String IDEMPOTENCY_KEY_REUSED = "idempotency-key-reused";
  public static final String UNKNOWN_PROVIDER = "unknown-provider";
  public static final String UNKNOWN_SERVICE = "unknown-service";
  public static final String CONSENT_ALREADY_EXPIRED = "consent-already-expired";
  public static final String CONSENT_SIGNED_IN_FUTURE = "consent-signed-in-future";
  public static final String CONSENT_DATES_OUT_OF_ORDER = "consent-dates-out-of-order";
  public static final String PART2_VERBAL_CONSENT = "part2-verbal-consent";
  public static final String PART2_RECIPIENTS_NOT_NAMED = "part2-recipients-not-named";
  public static final String REPRESENTATIVE_AUTHORITY_REQUIRED = "representative-authority";
  public static final String MINOR_SIGNATURE_NOT_ALLOWED = "minor-signature-not-allowed";
  public static final String MINOR_MUST_SIGN = "minor-must-sign";
  public static final String REVOCATION_IN_FUTURE = "revocation-in-future";
  public static final String REVOCATION_BEFORE_SIGNING = "revocation-before-signing";
  public static final String EXPIRY_EVENT_IN_FUTURE = "expiry-event-in-future";
  public static final String EXPIRY_EVENT_BEFORE_SIGNING = "expiry-event-before-signing";
  public static final String NO_EXPIRY_EVENT = "consent-has-no-expiry-event";
  public static final String CONSENT_REVOKED = "consent-revoked";
  public static final String CONSENT_EXPIRED = "consent-expired";
  public static final String EXPIRY_GIVEN_TWICE = "expiry-given-twice";
  public static final String PROVIDER_NOT_SERVED = "provider-not-served";

  /**
   * The referral carries fields its consent, or its own declared categories, do not cover: the
   * content policy's name ({@link org.referralexchange.policy.ContentPolicy#NAME}).
   */
  public static final String CONSENT_DOES_NOT_COVER_FIELDS =
      org.referralexchange.policy.ContentPolicy.NAME;

  public static final String DIRECTORY_NOT_READ = "directory-not-read";
  public static final String TRANSITION_REFUSED = "transition-refused";
  public static final String BROKER_UNAVAILABLE = "broker-unavailable";
  public static final String SCHEMA_UNAVAILABLE = "schema-unavailable";
  public static final String INTERNAL = "internal-error";

  private ProblemTypes() {}

  /** The type URI of a slug. */
  public static URI type(String slug) {
    return URI.create("/problems/" + slug);
  }

  /** A problem with this status, type slug, title and detail. */
  public static ProblemDetail problem(
      HttpStatusCode status, String slug, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(type(slug));
    problem.setTitle(title);
    return problem;
  }
}
