package org.referralexchange.adapter.provider.webhook;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * The JSON a webhook provider posts to {@code /providers/{id}/status}. Statuses are FHIR Task codes
 * a referral target may set; unknown properties are ignored, so providers may send more.
 */
record StatusCallback(
    String referralId,
    String status,
    Reason reason,
    String providerReference,
    Outcome outcome,
    String occurredAt) {

  /** Why: a code, the provider's words, or both (SDOHCC requires only the text). */
  record Reason(String code, String text) {}

  record Outcome(String delivered, Double units, String unitName, Cost cost) {}

  record Cost(BigDecimal amount, String currency) {}

  /**
   * The FHIR Task codes a provider may report, in the exchange's words. SDOHCC 2.1 and later
   * exclude {@code received}; an older system's {@code received} reads as still requested.
   */
  static final Map<String, ReferralStatus> STATUSES =
      Map.of(
          "received", ReferralStatus.REQUESTED,
          "accepted", ReferralStatus.ACCEPTED,
          "rejected", ReferralStatus.REJECTED,
          "in-progress", ReferralStatus.IN_PROGRESS,
          "on-hold", ReferralStatus.ON_HOLD,
          "cancelled", ReferralStatus.CANCELLED,
          "failed", ReferralStatus.FAILED,
          "completed", ReferralStatus.COMPLETED);

  /** Why a callback cannot be turned into an update; messages name fields, never values. */
  static final class Invalid extends RuntimeException {
    private final String slug;

    Invalid(String slug, String message) {
      super(message, null, false, false);
      this.slug = slug;
    }

    String slug() {
      return slug;
    }
  }

  /**
   * The update for the core. {@code occurredAt} defaults to {@code receivedAt} when absent.
   *
   * @throws Invalid when a required field is missing or the status is not one a provider may set
   */
  ProviderStatusUpdate toUpdate(Instant receivedAt) {
    if (referralId == null || referralId.isBlank()) {
      throw new Invalid(WebhookCallbackController.MALFORMED, "referralId is required");
    }
    if (status == null || status.isBlank()) {
      throw new Invalid(WebhookCallbackController.MALFORMED, "status is required");
    }
    ReferralStatus mapped = STATUSES.get(status);
    if (mapped == null) {
      throw new Invalid(
          WebhookCallbackController.UNKNOWN_STATUS,
          "status must be one of received, accepted, rejected, in-progress, on-hold, cancelled,"
              + " failed, completed");
    }
    Instant occurred;
    try {
      occurred = occurredAt == null ? receivedAt : Instant.parse(occurredAt);
    } catch (DateTimeParseException e) {
      throw new Invalid(
          WebhookCallbackController.MALFORMED,
          "occurredAt must be an ISO-8601 instant such as 2025-03-01T10:15:30Z");
    }
    ProviderStatusUpdate.Outcome out =
        outcome == null
            ? null
            : new ProviderStatusUpdate.Outcome(
                outcome.delivered(),
                outcome.units(),
                outcome.unitName(),
                outcome.cost() == null ? null : outcome.cost().amount(),
                outcome.cost() == null ? null : outcome.cost().currency());
    return new ProviderStatusUpdate(
        referralId,
        mapped,
        reason == null ? null : reason.code(),
        reason == null ? null : reason.text(),
        providerReference,
        out,
        occurred);
  }
}
