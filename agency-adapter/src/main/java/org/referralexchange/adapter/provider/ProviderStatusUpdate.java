package org.referralexchange.adapter.provider;

import java.math.BigDecimal;
import java.time.Instant;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * What a provider says about a referral, in the exchange's lifecycle words. The exchange checks it
 * against the lifecycle before publishing anything.
 *
 * @param referralId the exchange's referral id
 * @param status the status the provider reports
 * @param reasonCode coded reason; rejected, on-hold, failed and cancelled need this, the text or
 *     both
 * @param reasonText the provider's words; must not contain client data
 * @param providerReference the provider's reference
 * @param outcome what was delivered, on completion
 * @param occurredAt when the provider changed it (its clock)
 * @param sourceVersion the version of the provider's record that says so (FHIR Task {@code
 *     meta.versionId}); null where there is none (webhooks): polled reports are judged once per
 *     version
 * @param actedBy who at the provider acted, when the exchange knows (the intake link an {@code
 *     email-intake} action came through, {@code intake-link/<linkId>}); recorded as the status
 *     change's {@code actor.userId}, never client data; null otherwise
 */
public record ProviderStatusUpdate(
    String referralId,
    ReferralStatus status,
    String reasonCode,
    String reasonText,
    String providerReference,
    Outcome outcome,
    Instant occurredAt,
    String sourceVersion,
    String actedBy) {

  /** An update whose actor at the provider is not known, as polled and called-back ones are. */
  public ProviderStatusUpdate(
      String referralId,
      ReferralStatus status,
      String reasonCode,
      String reasonText,
      String providerReference,
      Outcome outcome,
      Instant occurredAt,
      String sourceVersion) {
    this(
        referralId,
        status,
        reasonCode,
        reasonText,
        providerReference,
        outcome,
        occurredAt,
        sourceVersion,
        null);
  }

  /** An update with no source version, as a webhook callback is. */
  public ProviderStatusUpdate(
      String referralId,
      ReferralStatus status,
      String reasonCode,
      String reasonText,
      String providerReference,
      Outcome outcome,
      Instant occurredAt) {
    this(referralId, status, reasonCode, reasonText, providerReference, outcome, occurredAt, null);
  }

  /**
   * What was delivered and what it cost (Open Referral HSDS cost_option words).
   *
   * @param delivered description of the service delivered
   * @param units how many units, if counted
   * @param unitName what a unit is
   * @param costAmount cost, if any
   * @param costCurrency ISO 4217 code of the cost
   */
  public record Outcome(
      String delivered,
      Double units,
      String unitName,
      BigDecimal costAmount,
      String costCurrency) {}
}
