package org.referralexchange.schemas.samples;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.CaseManager;
import org.referralexchange.events.v1.ClientBlock;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentRecipients;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentReference;
import org.referralexchange.events.v1.ConsentSignature;
import org.referralexchange.events.v1.EncryptedEnvelope;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.Money;
import org.referralexchange.events.v1.Need;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.Outcome;
import org.referralexchange.events.v1.Priority;
import org.referralexchange.events.v1.ReferralFlags;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.events.v1.Referrer;
import org.referralexchange.events.v1.ServiceTarget;
import org.referralexchange.events.v1.SignatureMethod;
import org.referralexchange.events.v1.SignerRole;

/** Builders of events shaped like real traffic: a full referral, a completion with a cost. */
public final class SampleEvents {

  private static final String SDOH_CATEGORY =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";

  private SampleEvents() {}

  /** A referral to a food bank as a county case manager would send it. */
  public static ReferralSubmitted referralSubmitted(String referralId) {
    Instant now = Instant.parse("2026-11-29T15:00:00Z");
    Random random = new Random(referralId.hashCode());
    return ReferralSubmitted.newBuilder()
        .setEventId(UUID.nameUUIDFromBytes(("submitted:" + referralId).getBytes()))
        .setOccurredAt(now)
        .setReferralId(referralId)
        .setReferrer(
            Referrer.newBuilder()
                .setAgencyId("county-hhs")
                .setAgencyName("County Health and Human Services")
                .setCaseManager(
                    CaseManager.newBuilder()
                        .setId("cm-0042")
                        .setName("Case Manager 42")
                        .setEmail("cm42@county.example")
                        .setMobile("+15555550142")
                        .setPreferredChannels(
                            List.of(NotificationChannel.EMAIL, NotificationChannel.SMS))
                        .setTimeZone("America/Chicago")
                        .build())
                .build())
        .setTarget(
            ServiceTarget.newBuilder()
                .setProviderId("northside-food-bank")
                .setServiceId("emergency-groceries")
                .setServiceName("Emergency groceries")
                .build())
        .setNeeds(
            List.of(
                Need.newBuilder()
                    .setSystem(SDOH_CATEGORY)
                    .setCode("food-insecurity")
                    .setDisplay("Food Insecurity")
                    .build(),
                Need.newBuilder()
                    .setSystem(SDOH_CATEGORY)
                    .setCode("transportation-insecurity")
                    .setDisplay("Transportation Insecurity")
                    .build()))
        .setPriority(Priority.URGENT)
        .setRespondBy(now.plus(Duration.ofDays(2)))
        .setConsent(
            ConsentReference.newBuilder()
                .setConsentId("consent-" + referralId)
                .setInformationCategories(
                    List.of(
                        InformationCategory.DEMOGRAPHICS,
                        InformationCategory.CONTACT_DETAILS,
                        InformationCategory.SOCIAL_NEEDS))
                .setPurpose("COC")
                .setExpiresAt(now.plus(Duration.ofDays(365)))
                .build())
        .setClient(
            ClientBlock.newBuilder()
                .setClientPseudonym("cl-" + Integer.toHexString(referralId.hashCode()))
                .setIdentity(envelope(random, 220, "org.referralexchange.events.v1.ClientIdentity"))
                .build())
        .setFlags(ReferralFlags.newBuilder().setContactingSubjectProhibited(false).build())
        .setNarrative(envelope(random, 340, "org.referralexchange.events.v1.ReferralNarrative"))
        .build();
  }

  /** The provider completed the referral and reported what it cost. */
  public static ReferralStatusChanged completed(String referralId) {
    return ReferralStatusChanged.newBuilder()
        .setEventId(UUID.nameUUIDFromBytes(("completed:" + referralId).getBytes()))
        .setOccurredAt(Instant.parse("2026-11-29T15:40:00Z"))
        .setReferralId(referralId)
        .setProviderId("northside-food-bank")
        .setStatus(ReferralStatus.COMPLETED)
        .setActor(
            Actor.newBuilder()
                .setRole(ActorRole.PROVIDER)
                .setOrganizationId("northside-food-bank")
                .build())
        .setProviderReference("Task/8812")
        .setOutcome(
            Outcome.newBuilder()
                .setDelivered("Two weeks of groceries")
                .setUnits(2.0)
                .setUnitName("box")
                .setCost(
                    Money.newBuilder()
                        .setAmount(new BigDecimal("85.50"))
                        .setCurrency("USD")
                        .build())
                .build())
        .build();
  }

  /** A client's consent to share social-needs data with one named food bank for a year. */
  public static ConsentRecorded consentRecorded(String consentId) {
    Instant signed = Instant.parse("2026-11-28T09:00:00Z");
    return ConsentRecorded.newBuilder()
        .setEventId(UUID.nameUUIDFromBytes(("consent:" + consentId).getBytes()))
        .setOccurredAt(signed.plusSeconds(60))
        .setConsent(
            ConsentDetails.newBuilder()
                .setConsentId(consentId)
                .setClientPseudonym("cl-" + Integer.toHexString(consentId.hashCode()))
                .setDisclosingAgencyId("county-hhs")
                .setRecipients(
                    ConsentRecipients.newBuilder()
                        .setProviderIds(List.of("northside-food-bank"))
                        .build())
                .setInformationCategories(
                    List.of(
                        InformationCategory.DEMOGRAPHICS,
                        InformationCategory.CONTACT_DETAILS,
                        InformationCategory.SOCIAL_NEEDS))
                .setPurpose("COC")
                .setEffectiveFrom(signed)
                .setExpiresAt(signed.plus(Duration.ofDays(365)))
                .setSignature(
                    ConsentSignature.newBuilder()
                        .setMethod(SignatureMethod.ELECTRONIC)
                        .setSignedAt(signed)
                        .setSignerRole(SignerRole.CLIENT)
                        .build())
                .setRevocationRightAcknowledged(true)
                .setServicesConditionedOnSigning(false)
                .setRedisclosureNoticeAcknowledged(true)
                .setSourceReference("county-hhs/forms/roi-2026-0042")
                .build())
        .setRecordedBy(
            Actor.newBuilder()
                .setRole(ActorRole.REQUESTER)
                .setOrganizationId("county-hhs")
                .setUserId("cm-0042")
                .build())
        .build();
  }

  private static EncryptedEnvelope envelope(Random random, int size, String payloadSchema) {
    byte[] ciphertext = new byte[size];
    random.nextBytes(ciphertext);
    return EncryptedEnvelope.newBuilder()
        .setKeyId("local-1")
        .setAlgorithm("tink-aead/AES256_GCM")
        .setPayloadSchema(payloadSchema)
        .setCiphertext(ByteBuffer.wrap(ciphertext))
        .build();
  }
}
