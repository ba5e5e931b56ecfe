package org.referralexchange.gateway.consent;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.RepresentativeAuthorityKind;
import org.referralexchange.events.v1.SignatureMethod;
import org.referralexchange.events.v1.SignerRole;

/** What agencies send to record and revoke consents. Only these fields are accepted. */
final class ConsentRequests {

  private ConsentRequests() {}

  /**
   * A consent to record, with every element HIPAA 164.508(c) and 42 CFR 2.31 require.
   *
   * @param clientId the agency's own identifier of the client; the exchange keeps only a pseudonym
   *     of it
   */
  @Schema(name = "ConsentRecording")
  record RecordConsent(
      @NotBlank @Size(max = 128) String clientId,
      @NotNull @Valid Recipients recipients,
      @NotEmpty List<@NotNull InformationCategory> informationCategories,
      // Primitives are required in fact: Jackson 3 refuses an absent one (400 malformed-request).
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) boolean part2,
      @NotBlank @Pattern(regexp = "[A-Z]{2,12}", message = "must be an HL7 v3 PurposeOfUse code")
          String purpose,
      Instant effectiveFrom,
      Instant expiresAt,
      LocalDate expiresOn,
      @Size(max = 200) String expiryEvent,
      @NotNull @Valid Signature signature,
      @AssertTrue(message = "the form must state the client's right to revoke in writing")
          @Schema(requiredMode = Schema.RequiredMode.REQUIRED)
          boolean revocationRightAcknowledged,
      @NotNull Boolean servicesConditionedOnSigning,
      @AssertTrue(message = "the form must state that re-disclosure may occur")
          @Schema(requiredMode = Schema.RequiredMode.REQUIRED)
          boolean redisclosureNoticeAcknowledged,
      @Size(max = 200) String sourceReference,
      Boolean returnDisclosureAllowed) {

    /**
     * Whether a Part 2 provider's answers may reach the referrer in full (42 CFR 2.31); not stated
     * means no.
     */
    boolean returnDisclosure() {
      return Boolean.TRUE.equals(returnDisclosureAllowed);
    }

    @AssertTrue(
        message = "give an expiry date (expiresAt or expiresOn) or an expiry event (expiryEvent)")
    boolean isExpirySet() {
      return expiresAt != null
          || expiresOn != null
          || (expiryEvent != null && !expiryEvent.isBlank());
    }

    /**
     * The end of the consent as an instant: {@code expiresAt} as given, or the end of the day
     * {@code expiresOn} in the agency's time zone (the start of the next day there), which is what
     * "expires 31 December" means to the client who signed it.
     */
    Instant expiryIn(ZoneId agencyZone) {
      return expiresOn != null
          ? expiresOn.plusDays(1).atStartOfDay(agencyZone).toInstant()
          : expiresAt;
    }

    /** With both given, which one the client signed is unclear: the recording is refused. */
    boolean expiryGivenTwice() {
      return expiresAt != null && expiresOn != null;
    }

    @AssertTrue(message = "a Part 2 consent must name SUBSTANCE_USE_DISORDER information")
    boolean isPart2Consistent() {
      return !part2
          || informationCategories == null
          || informationCategories.contains(InformationCategory.SUBSTANCE_USE_DISORDER);
    }
  }

  /**
   * Named providers, a described class of recipients, or both; at least one. A Part 2 consent that
   * describes a class names the intermediary it reaches that class through (42 CFR 2.31(a)(4)(ii)).
   */
  record Recipients(
      List<@Pattern(regexp = "[a-z0-9][a-z0-9-]{1,62}") String> providerIds,
      List<@NotBlank String> serviceCategories,
      @Valid Intermediary intermediary) {

    Recipients {
      providerIds = providerIds == null ? List.of() : List.copyOf(providerIds);
      serviceCategories = serviceCategories == null ? List.of() : List.copyOf(serviceCategories);
    }

    @AssertTrue(message = "name at least one provider or service category")
    boolean isNotEmpty() {
      return !providerIds.isEmpty() || !serviceCategories.isEmpty();
    }
  }

  /** An intermediary as the signed form names it. */
  @Schema(name = "RecipientIntermediary")
  record Intermediary(
      @NotBlank @Size(max = 64) String id, @NotBlank @Size(max = 200) String name) {}

  /**
   * Who signed, how and when.
   *
   * @param representativeAuthority why a legal representative may sign; required exactly when
   *     {@code signerRole} is LEGAL_REPRESENTATIVE
   * @param clientAge the client's age in whole years when signing, when the agency knows it; it
   *     decides whether the client is a minor (42 CFR 2.14)
   */
  record Signature(
      @NotNull SignatureMethod method,
      @NotNull Instant signedAt,
      @NotNull SignerRole signerRole,
      @Valid RepresentativeAuthority representativeAuthority,
      @Min(0) @Max(130) Integer clientAge) {}

  /** The kind of a representative's authority and a reference to the document that gives it. */
  record RepresentativeAuthority(
      @NotNull RepresentativeAuthorityKind kind,
      @NotBlank @Size(max = 200) String documentReference) {}

  /**
   * That the event a consent names as its end (its {@code expiryEvent}) happened.
   *
   * @param expiredAt when it happened (default now)
   */
  @Schema(name = "ConsentExpiryEvent")
  record RecordExpiryEvent(Instant expiredAt) {}

  /** A revocation: when the client revoked (default now) and why, if they said. */
  @Schema(name = "ConsentRevocation")
  record Revoke(
      Instant revokedAt, @Size(max = 64) String reasonCode, @Size(max = 500) String reasonText) {}
}
