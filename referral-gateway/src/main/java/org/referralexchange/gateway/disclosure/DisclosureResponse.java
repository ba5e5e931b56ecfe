package org.referralexchange.gateway.disclosure;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import org.referralexchange.events.v1.DisclosureRecorded;

/**
 * One entry of a client's accounting of disclosures: when, to whom, what categories, for what
 * purpose, under which consent and referral, by which path, delivered or withdrawn. Never content.
 */
@Schema(name = "Disclosure")
record DisclosureResponse(
    Instant disclosedAt,
    String kind,
    String providerId,
    String providerName,
    List<String> informationCategories,
    String purpose,
    String consentId,
    String referralId,
    String path,
    String reasonCode) {

  static DisclosureResponse of(DisclosureRecorded d) {
    return new DisclosureResponse(
        d.getOccurredAt(),
        d.getKind().name(),
        d.getProviderId(),
        d.getProviderName(),
        d.getInformationCategories().stream().map(Enum::name).toList(),
        d.getPurpose(),
        d.getConsentId(),
        d.getReferralId(),
        d.getPath().name(),
        d.getReasonCode());
  }

  /** A client's accounting. */
  @Schema(name = "DisclosureAccounting")
  record Accounting(String clientPseudonym, List<DisclosureResponse> disclosures) {}
}
