package org.referralexchange.gateway.consent;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import org.referralexchange.events.v1.ConsentDetails;

/**
 * A consent as the API shows it to the agency that recorded it. {@code endingReferralIds}: on a
 * revocation or an expiry event, the referrals open under the consent, which the agency adapter now
 * cancels and withdraws from their providers; empty otherwise.
 */
@Schema(name = "Consent")
record ConsentResponse(
    String consentId,
    String status,
    String clientPseudonym,
    List<String> recipientProviderIds,
    List<String> recipientServiceCategories,
    Intermediary recipientIntermediary,
    List<String> informationCategories,
    boolean part2,
    String purpose,
    Instant effectiveFrom,
    Instant expiresAt,
    String expiryEvent,
    String signatureMethod,
    Instant signedAt,
    String signerRole,
    Authority representativeAuthority,
    boolean clientMinor,
    Integer clientAgeAtSigning,
    boolean servicesConditionedOnSigning,
    String sourceReference,
    Instant recordedAt,
    Instant revokedAt,
    List<String> endingReferralIds,
    Instant expiredAt,
    boolean returnDisclosureAllowed) {

  /** The intermediary a Part 2 consent names. */
  @Schema(name = "ConsentIntermediary")
  record Intermediary(String id, String name) {}

  /** The authority a legal representative signed under. */
  @Schema(name = "ConsentRepresentativeAuthority")
  record Authority(String kind, String documentReference) {}

  static ConsentResponse of(ConsentState state, Instant now, List<String> ending) {
    ConsentDetails c = state.consent();
    return new ConsentResponse(
        c.getConsentId(),
        state.statusAt(now),
        c.getClientPseudonym(),
        c.getRecipients().getProviderIds(),
        c.getRecipients().getServiceCategories(),
        c.getRecipients().getIntermediary() == null
            ? null
            : new Intermediary(
                c.getRecipients().getIntermediary().getId(),
                c.getRecipients().getIntermediary().getName()),
        c.getInformationCategories().stream().map(Enum::name).toList(),
        c.getPart2(),
        c.getPurpose(),
        c.getEffectiveFrom(),
        c.getExpiresAt(),
        c.getExpiryEvent(),
        c.getSignature().getMethod().name(),
        c.getSignature().getSignedAt(),
        c.getSignature().getSignerRole().name(),
        c.getSignature().getRepresentativeAuthority() == null
            ? null
            : new Authority(
                c.getSignature().getRepresentativeAuthority().getKind().name(),
                c.getSignature().getRepresentativeAuthority().getDocumentReference()),
        c.getSignature().getClientMinor(),
        c.getSignature().getClientAgeAtSigning(),
        c.getServicesConditionedOnSigning(),
        c.getSourceReference(),
        state.recordedAt(),
        state.revokedAt().orElse(null),
        ending,
        state.expiredAt().orElse(null),
        c.getReturnDisclosureAllowed());
  }
}
