package org.referralexchange.gateway.problem;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.referralexchange.policy.ConsentPolicy;
import org.springframework.http.HttpStatus;

/**
 * Every problem the API answers with, as status, stable type and when: the one list the OpenAPI
 * document is built from, so the partners' contract names what the code produces. Grouped by what
 * makes a call able to meet them (every call, a body, a named resource, a publish, one feature's
 * rules); {@code OpenApiContractTests} keeps it in step with {@link ProblemTypes} and the consent
 * policies.
 */
public final class ProblemCatalog {

  /** One answer: a status with a type, and when it is given (words for the document). */
  public record Problem(HttpStatus status, String slug, String title, String when) {

    public URI type() {
      return ProblemTypes.type(slug);
    }
  }

  /** What makes an operation able to meet a set of problems. */
  public enum Group {
    /** Any call under /api: the filters run before a controller. */
    EVERY_CALL(
        p(
            HttpStatus.BAD_REQUEST,
            ProblemTypes.MALFORMED_REQUEST,
            "Malformed request",
            "the path or headers hold characters the API does not accept (an encoded slash, a"
                + " control character)"),
        p(
            HttpStatus.UNAUTHORIZED,
            ProblemTypes.UNAUTHENTICATED,
            "Unauthenticated",
            "no credentials, an unknown or revoked API key, an invalid bearer token, or both an"
                + " API key and a bearer token"),
        p(
            HttpStatus.FORBIDDEN,
            ProblemTypes.FORBIDDEN,
            "Forbidden",
            "the credentials are valid but do not name an agency allowed this call"),
        p(
            HttpStatus.NOT_ACCEPTABLE,
            ProblemTypes.NOT_ACCEPTABLE,
            "Not acceptable",
            "an Accept header that excludes JSON"),
        p(
            HttpStatus.TOO_MANY_REQUESTS,
            ProblemTypes.RATE_LIMITED,
            "Too many requests",
            "the agency's requests per minute are used up; see Retry-After"),
        p(
            HttpStatus.INTERNAL_SERVER_ERROR,
            ProblemTypes.INTERNAL,
            "Internal error",
            "an unexpected failure; nothing unreported was changed")),
    /** A call with a JSON body. */
    REQUEST_BODY(
        p(
            HttpStatus.BAD_REQUEST,
            ProblemTypes.VALIDATION,
            "Invalid request",
            "fields break their constraints; `errors` lists field and rule, never the value"),
        p(
            HttpStatus.BAD_REQUEST,
            ProblemTypes.MALFORMED_REQUEST,
            "Malformed request",
            "not JSON, a wrong type, or a field the exchange sets itself (ids, statuses)"),
        p(
            HttpStatus.PAYLOAD_TOO_LARGE,
            ProblemTypes.PAYLOAD_TOO_LARGE,
            "Payload too large",
            "the body is larger than the gateway accepts"),
        p(
            HttpStatus.UNSUPPORTED_MEDIA_TYPE,
            ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "a body sent as anything but application/json")),
    /** A call with query or path parameters that have constraints. */
    PARAMETERS(
        p(
            HttpStatus.BAD_REQUEST,
            ProblemTypes.VALIDATION,
            "Invalid request",
            "a parameter is missing or malformed; `errors` names it")),
    /** A call naming a resource by id in its path. */
    NAMED_RESOURCE(
        p(
            HttpStatus.NOT_FOUND,
            ProblemTypes.NOT_FOUND,
            "Not found",
            "no such resource is visible to this agency (another agency's is not found either)")),
    /** A call that publishes an event before it answers. */
    PUBLISHES(
        p(
            HttpStatus.SERVICE_UNAVAILABLE,
            ProblemTypes.BROKER_UNAVAILABLE,
            "Try again shortly",
            "the broker did not acknowledge in time; retry (with the same Idempotency-Key) after"
                + " Retry-After"),
        p(
            HttpStatus.SERVICE_UNAVAILABLE,
            ProblemTypes.SCHEMA_UNAVAILABLE,
            "Try again shortly",
            "the schema registry is unreachable and the event's schema not cached; nothing was"
                + " recorded")),
    /** A call that looks providers up in the directory. */
    DIRECTORY(
        p(
            HttpStatus.SERVICE_UNAVAILABLE,
            ProblemTypes.DIRECTORY_NOT_READ,
            "Provider directory not read yet",
            "this instance has not read the provider directory yet; retry after Retry-After")),
    REFERRAL_SUBMISSION(
        Stream.concat(
                Stream.of(
                    p(
                        HttpStatus.BAD_REQUEST,
                        ProblemTypes.IDEMPOTENCY_KEY_MISSING,
                        "Missing header",
                        "no Idempotency-Key header"),
                    p(
                        HttpStatus.CONFLICT,
                        ProblemTypes.IDEMPOTENCY_KEY_REUSED,
                        "Request in progress",
                        "a request with this Idempotency-Key is still in flight; retry it"),
                    p(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        ProblemTypes.IDEMPOTENCY_KEY_REUSED,
                        "Idempotency-Key reused",
                        "this Idempotency-Key was used for a different request body"),
                    p(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        ProblemTypes.UNKNOWN_PROVIDER,
                        "Unknown provider",
                        "the directory does not list the target provider"),
                    p(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        ProblemTypes.PROVIDER_NOT_SERVED,
                        "Provider not served",
                        "the directory lists the provider but no adapter delivers to it now"),
                    p(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        ProblemTypes.UNKNOWN_SERVICE,
                        "Unknown service",
                        "the provider does not list the target service"),
                    p(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        ProblemTypes.CONSENT_DOES_NOT_COVER_FIELDS,
                        "Consent does not cover this content",
                        "fields outside the consent or the referral's declared categories;"
                            + " `fields` names them")),
                consentPolicies())
            .toArray(Problem[]::new)),
    REFERRAL_CANCELLATION(
        p(
            HttpStatus.CONFLICT,
            ProblemTypes.TRANSITION_REFUSED,
            "Status change refused",
            "the referral's status does not allow a cancellation")),
    CONSENT_RECORDING(
        p(
            HttpStatus.BAD_REQUEST,
            ProblemTypes.EXPIRY_GIVEN_TWICE,
            "Expiry given twice",
            "more than one of expiresAt, expiresOn and expiryEvent"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.UNKNOWN_PROVIDER,
            "Unknown provider",
            "a recipient provider the directory does not list"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.CONSENT_ALREADY_EXPIRED,
            "Consent already expired",
            "expiresAt has passed"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.CONSENT_SIGNED_IN_FUTURE,
            "Consent signed in the future",
            "signature.signedAt later than now plus a 5-minute clock-skew tolerance"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.CONSENT_DATES_OUT_OF_ORDER,
            "Consent dates out of order",
            "effectiveFrom before signedAt, or the expiry not after the start"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.PART2_VERBAL_CONSENT,
            "Part 2 consent must be written",
            "a consent covering SUBSTANCE_USE_DISORDER signed VERBAL_WITNESSED (42 CFR 2.31)"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.PART2_RECIPIENTS_NOT_NAMED,
            "Part 2 recipients not named",
            "a Part 2 consent naming only a class of recipients, no provider or intermediary"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.REPRESENTATIVE_AUTHORITY_REQUIRED,
            "Representative authority",
            "a representative's signature without its authority, or an authority on the client's"
                + " own"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.MINOR_SIGNATURE_NOT_ALLOWED,
            "Minor may not sign",
            "the agency's minor-consent rule needs a parent or guardian"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.MINOR_MUST_SIGN,
            "Minor must sign",
            "the agency's minor-consent rule lets the minor consent alone (42 CFR 2.14(a))")),
    CONSENT_REVOCATION(
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.REVOCATION_IN_FUTURE,
            "Revocation in the future",
            "revokedAt later than now plus the tolerance"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.REVOCATION_BEFORE_SIGNING,
            "Revocation before signing",
            "revokedAt before the consent was signed"),
        p(
            HttpStatus.CONFLICT,
            ProblemTypes.CONSENT_EXPIRED,
            "Consent expired",
            "the consent's expiry event was recorded: it has already ended")),
    CONSENT_EXPIRY_EVENT(
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.NO_EXPIRY_EVENT,
            "Consent has no expiry event",
            "the consent ends on a date, not on an event"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.EXPIRY_EVENT_IN_FUTURE,
            "Expiry event in the future",
            "expiredAt later than now plus the tolerance"),
        p(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.EXPIRY_EVENT_BEFORE_SIGNING,
            "Expiry event before signing",
            "expiredAt before the consent was signed"),
        p(
            HttpStatus.CONFLICT,
            ProblemTypes.CONSENT_REVOKED,
            "Consent revoked",
            "the consent was revoked: it has already ended")),
    /** No documented operation answers it: a method the path does not offer. */
    OTHER_METHODS(
        p(
            HttpStatus.METHOD_NOT_ALLOWED,
            ProblemTypes.METHOD_NOT_ALLOWED,
            "Method not allowed",
            "a method the path does not offer"));

    private final List<Problem> problems;

    Group(Problem... problems) {
      this.problems = List.of(problems);
    }

    public List<Problem> problems() {
      return problems;
    }
  }

  private ProblemCatalog() {}

  /** Every problem of every group, each status and type once. */
  public static List<Problem> all() {
    Map<String, Problem> byStatusAndType = new LinkedHashMap<>();
    for (Group group : Group.values()) {
      for (Problem problem : group.problems()) {
        byStatusAndType.putIfAbsent(problem.status().value() + problem.slug(), problem);
      }
    }
    return new ArrayList<>(byStatusAndType.values());
  }

  /** The consent policies refuse with their own names as types, in the order they are checked. */
  private static Stream<Problem> consentPolicies() {
    return ConsentPolicy.ALL.stream()
        .map(
            policy ->
                p(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    policy.name(),
                    "Consent does not allow this referral",
                    "consent policy `" + policy.name() + "` refused; `policy` names it"));
  }

  private static Problem p(HttpStatus status, String slug, String title, String when) {
    return new Problem(status, slug, title, when);
  }
}
