package org.referralexchange.adapter.provider.webhook;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.referralexchange.adapter.apidoc.CallbackApiDocumentation;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.webhooks.StandardWebhooks;
import org.referralexchange.webhooks.StandardWebhooks.Reason;
import org.referralexchange.webhooks.StandardWebhooks.Rejected;
import org.referralexchange.webhooks.StandardWebhooks.Verification;
import org.referralexchange.webhooks.StandardWebhooks.Verified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where webhook providers report what became of a referral: {@code POST
 * /providers/{providerId}/status}, signed like the webhooks we send them. The signature is checked
 * over the raw bytes before anything is parsed; a refused request reaches nothing behind it.
 * Callbacks are reports of changes and may arrive out of order: a status reachable from the
 * referral's is recorded, a late one it has passed is answered 202 and recorded nowhere, and only
 * an impossible one (a terminal status changing, completed to received) is answered 409.
 */
@RestController
@ConditionalOnProperty(
    prefix = "exchange.adapters.webhook",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
class WebhookCallbackController {

  static final String SIGNATURE_INVALID = "webhook-signature-invalid";
  static final String TIMESTAMP_STALE = "webhook-timestamp-stale";
  static final String REPLAYED = "webhook-replayed";
  static final String RATE_LIMITED = "webhook-rate-limited";
  static final String UNKNOWN_PROVIDER = "unknown-provider";
  static final String MALFORMED = "malformed-request";
  static final String UNKNOWN_STATUS = "unknown-status";
  static final String TRANSITION_REFUSED = "transition-refused";
  static final String UNAVAILABLE = "status-update-unavailable";
  static final String INTERNAL = "internal-error";
  static final String SIGNATURES_UNAVAILABLE = "signature-check-unavailable";

  private static final Logger log = LoggerFactory.getLogger(WebhookCallbackController.class);

  private final WebhookProviders providers;
  private final ProviderStatusSink sink;
  private final Clock clock;
  private final ReplayGuard replays;
  private final JsonMapper json =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  @Autowired
  WebhookCallbackController(
      WebhookProviders providers, ProviderStatusSink sink, WebhookCallbackProperties properties) {
    this(
        providers,
        sink,
        Clock.systemUTC(),
        new ReplayGuard(properties.replayIdsPerProvider(), StandardWebhooks.TOLERANCE));
  }

  WebhookCallbackController(
      WebhookProviders providers, ProviderStatusSink sink, Clock clock, ReplayGuard replays) {
    this.providers = providers;
    this.sink = sink;
    this.clock = clock;
    this.replays = replays;
  }

  @Operation(
      operationId = "reportReferralStatus",
      summary = "Report what became of a referral",
      description =
          "A webhook provider's status update, signed like the webhooks the exchange sends it."
              + " Verified over the raw body before anything is parsed; a status the referral"
              + " already has or has passed is answered 202 and recorded nowhere.",
      tags = CallbackApiDocumentation.WEBHOOK_PROVIDERS,
      security = @SecurityRequirement(name = WebhookCallbackDocumentation.SIGNATURE_SCHEME))
  @Parameter(
      in = ParameterIn.HEADER,
      name = StandardWebhooks.ID_HEADER,
      required = true,
      description = "Unique per event, the same on each retry of it.",
      schema = @Schema(type = "string"))
  @Parameter(
      in = ParameterIn.HEADER,
      name = StandardWebhooks.TIMESTAMP_HEADER,
      required = true,
      description = "When this attempt was sent, integer Unix seconds.",
      schema = @Schema(type = "string", pattern = "^[0-9]+$"))
  @PostMapping("/providers/{providerId}/status")
  ResponseEntity<?> status(
      @Parameter(description = "The provider's id in the exchange's configuration.") @PathVariable
          String providerId,
      @Parameter(hidden = true) @RequestHeader HttpHeaders headers,
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              content =
                  @Content(
                      mediaType = "application/json",
                      schema = @Schema(implementation = StatusCallback.class)))
          @RequestBody(required = false)
          byte[] body) {
    ProviderSettings provider =
        providers
            .find(providerId)
            .filter(p -> WebhookProviderAdapter.KIND.equals(p.kind()))
            .orElse(null);
    if (provider == null) {
      return problem(
          HttpStatus.NOT_FOUND,
          UNKNOWN_PROVIDER,
          "Unknown provider",
          "No webhook provider is configured with this id.");
    }
    Instant now = clock.instant();
    Verification verification;
    try {
      verification =
          StandardWebhooks.verify(
              first(headers, StandardWebhooks.ID_HEADER),
              first(headers, StandardWebhooks.TIMESTAMP_HEADER),
              all(headers, StandardWebhooks.SIGNATURE_HEADER),
              body == null ? new byte[0] : body,
              provider.secret(),
              now);
    } catch (IllegalArgumentException e) {
      // The configured secret is unusable (blank, bad base64): ours to fix, not the provider's.
      // Start-up refuses such a provider; this answers if a directory hands one over anyway.
      log.error("Webhook provider {} has no usable secret: {}", providerId, e.getMessage());
      return problem(
          HttpStatus.SERVICE_UNAVAILABLE,
          SIGNATURES_UNAVAILABLE,
          "Signatures cannot be checked",
          "The exchange cannot check this provider's signatures now; nothing was recorded.");
    }
    if (verification instanceof Rejected rejected) {
      log.warn(
          "Refused a status webhook for provider {}: {}", providerId, rejected.reason().code());
      return refused(rejected.reason());
    }
    Verified verified = (Verified) verification;
    String webhookId = verified.webhookId();

    switch (replays.reserve(providerId, webhookId, verified.timestamp(), now)) {
      case REPLAYED -> {
        log.warn("Refused a replayed status webhook {} for provider {}", webhookId, providerId);
        return problem(
            HttpStatus.UNAUTHORIZED,
            REPLAYED,
            "Webhook replayed",
            "This webhook-id was already received from this provider.");
      }
      case FULL -> {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
            .header(HttpHeaders.RETRY_AFTER, "60")
            .body(
                detail(
                    HttpStatus.TOO_MANY_REQUESTS,
                    RATE_LIMITED,
                    "Too many webhooks",
                    "Too many webhooks from this provider in the last minutes; retry later."));
      }
      case FIRST -> {}
    }

    boolean recorded = false;
    try {
      ProviderStatusUpdate update;
      try {
        // An empty body is signed like any other (the signature covers zero bytes), so it gets
        // here; Jackson refuses a null array outright.
        StatusCallback callback =
            body == null || body.length == 0 ? null : json.readValue(body, StatusCallback.class);
        if (callback == null) {
          throw new StatusCallback.Invalid(MALFORMED, "The body must be a JSON object");
        }
        update = callback.toUpdate(now);
      } catch (JacksonException e) {
        return problem(
            HttpStatus.BAD_REQUEST,
            MALFORMED,
            "Malformed status update",
            "The body is not a status update in JSON: " + jacksonLocation(e));
      } catch (StatusCallback.Invalid e) {
        return problem(HttpStatus.BAD_REQUEST, e.slug(), "Invalid status update", e.getMessage());
      }
      try {
        sink.accept(provider, update);
      } catch (ProviderRejectedException e) {
        return problem(
            HttpStatus.CONFLICT, TRANSITION_REFUSED, "Status change refused", e.getMessage());
      } catch (ProviderUnavailableException e) {
        log.warn("Could not record status webhook {} of provider {}", webhookId, providerId, e);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
            .header(HttpHeaders.RETRY_AFTER, "5")
            .body(
                detail(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    UNAVAILABLE,
                    "Status update not recorded",
                    "The exchange could not record the update now; retry with the same webhook-id."));
      } catch (RuntimeException e) {
        log.error("Status webhook {} of provider {} failed", webhookId, providerId, e);
        return problem(
            HttpStatus.INTERNAL_SERVER_ERROR,
            INTERNAL,
            "Internal error",
            "The update was not recorded; retry with the same webhook-id.");
      }
      recorded = true;
      log.info(
          "Provider {} reported {} for referral {} (webhook-id {})",
          providerId,
          update.status(),
          update.referralId(),
          webhookId);
      return ResponseEntity.accepted().build();
    } finally {
      if (!recorded) {
        // Nothing was recorded: the provider may send it again, corrected or later, under this id.
        replays.release(providerId, webhookId);
      }
    }
  }

  private static ResponseEntity<ProblemDetail> refused(Reason reason) {
    return switch (reason) {
      case MISSING_HEADERS ->
          problem(
              HttpStatus.UNAUTHORIZED,
              SIGNATURE_INVALID,
              "Webhook signature invalid",
              "webhook-id, webhook-timestamp (Unix seconds) and webhook-signature are required.");
      case BAD_SIGNATURE ->
          problem(
              HttpStatus.UNAUTHORIZED,
              SIGNATURE_INVALID,
              "Webhook signature invalid",
              "No v1 signature in webhook-signature matches the body under this provider's"
                  + " secret.");
      case STALE_TIMESTAMP ->
          problem(
              HttpStatus.UNAUTHORIZED,
              TIMESTAMP_STALE,
              "Webhook timestamp outside tolerance",
              "webhook-timestamp is more than 5 minutes in the past.");
      case FUTURE_TIMESTAMP ->
          problem(
              HttpStatus.UNAUTHORIZED,
              TIMESTAMP_STALE,
              "Webhook timestamp outside tolerance",
              "webhook-timestamp is more than 5 minutes in the future.");
    };
  }

  private static ResponseEntity<ProblemDetail> problem(
      HttpStatus status, String slug, String title, String detail) {
    return ResponseEntity.status(status).body(detail(status, slug, title, detail));
  }

  /** A problem whose type is the relative URI {@code /problems/<slug>}. */
  static ProblemDetail detail(HttpStatus status, String slug, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create("/problems/" + slug));
    problem.setTitle(title);
    return problem;
  }

  /** Where parsing stopped, never what was there: the body may carry text we must not echo. */
  private static String jacksonLocation(JacksonException e) {
    return e.getLocation() == null
        ? "unreadable."
        : "unreadable at line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ".";
  }

  private static String first(HttpHeaders headers, String name) {
    return headers.getFirst(name);
  }

  /** Several header lines are as good as one space-separated line. */
  private static String all(HttpHeaders headers, String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : String.join(" ", values);
  }
}
