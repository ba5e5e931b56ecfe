package org.referralexchange.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.schemas.samples.SampleEvents;

class ConsentPolicyTests {

  private static final ConsentDetails CONSENT =
      SampleEvents.consentRecorded("consent-1").getConsent();
  private static final Instant NOW = CONSENT.getEffectiveFrom().plus(Duration.ofDays(1));

  private static ConsentCheck check(ConsentDetails consent) {
    return new ConsentCheck(
        Optional.ofNullable(consent),
        false,
        NOW,
        "county-hhs",
        consent == null ? "cl-x" : consent.getClientPseudonym(),
        "northside-food-bank",
        Set.of("food"),
        EnumSet.of(InformationCategory.DEMOGRAPHICS, InformationCategory.SOCIAL_NEEDS),
        "COC");
  }

  private static String refusedBy(ConsentCheck check) {
    PolicyDecision decision = ConsentPolicy.evaluateAll(check);
    return decision instanceof PolicyDecision.Rejected r ? r.policy() : "allowed";
  }

  @Test
  void allowsDisclosureTheConsentCovers() {
    assertThat(refusedBy(check(CONSENT))).isEqualTo("allowed");
  }

  @Test
  void rejectsUnknownConsent() {
    assertThat(refusedBy(check(null))).isEqualTo("consent-not-found");
  }

  @Test
  void rejectsConsentOfAnotherAgency() {
    ConsentCheck base = check(CONSENT);
    ConsentCheck other =
        new ConsentCheck(
            base.consent(),
            false,
            NOW,
            "other-agency",
            base.clientPseudonym(),
            base.recipientProviderId(),
            base.recipientServiceCategories(),
            base.categories(),
            base.purpose());
    assertThat(refusedBy(other)).isEqualTo("consent-not-for-this-client");
  }

  @Test
  void rejectsRevokedConsent() {
    ConsentCheck base = check(CONSENT);
    ConsentCheck revoked =
        new ConsentCheck(
            base.consent(),
            true,
            NOW,
            base.disclosingAgencyId(),
            base.clientPseudonym(),
            base.recipientProviderId(),
            base.recipientServiceCategories(),
            base.categories(),
            base.purpose());
    assertThat(refusedBy(revoked)).isEqualTo("consent-revoked");
  }

  @Test
  void rejectsExpiredConsent() {
    ConsentDetails expired =
        ConsentDetails.newBuilder(CONSENT).setExpiresAt(NOW.minusSeconds(1)).build();
    assertThat(refusedBy(check(expired))).isEqualTo("consent-expired");
  }

  @Test
  void rejectsConsentNotYetInEffect() {
    ConsentDetails future =
        ConsentDetails.newBuilder(CONSENT).setEffectiveFrom(NOW.plusSeconds(60)).build();
    assertThat(refusedBy(check(future))).isEqualTo("consent-not-yet-effective");
  }

  @Test
  void rejectsRecipientTheConsentDoesNotName() {
    ConsentDetails elsewhere =
        ConsentDetails.newBuilder(CONSENT)
            .setRecipients(
                org.referralexchange.events.v1.ConsentRecipients.newBuilder()
                    .setProviderIds(List.of("another-provider"))
                    .build())
            .build();
    assertThat(refusedBy(check(elsewhere))).isEqualTo("consent-does-not-cover-recipient");
  }

  @Test
  void acceptsRecipientInTheConsentedClass() {
    ConsentDetails byClass =
        ConsentDetails.newBuilder(CONSENT)
            .setRecipients(
                org.referralexchange.events.v1.ConsentRecipients.newBuilder()
                    .setServiceCategories(List.of("food"))
                    .build())
            .build();
    assertThat(refusedBy(check(byClass))).isEqualTo("allowed");
  }

  @Test
  void rejectsInformationCategoryNotConsented() {
    ConsentCheck base = check(CONSENT);
    ConsentCheck more =
        new ConsentCheck(
            base.consent(),
            false,
            NOW,
            base.disclosingAgencyId(),
            base.clientPseudonym(),
            base.recipientProviderId(),
            base.recipientServiceCategories(),
            EnumSet.of(InformationCategory.MENTAL_HEALTH),
            base.purpose());
    assertThat(refusedBy(more)).isEqualTo("consent-does-not-cover-information");
  }

  @Test
  void substanceUseInformationNeedsAPart2Consent() {
    ConsentDetails namesSudButNotPart2 =
        ConsentDetails.newBuilder(CONSENT)
            .setInformationCategories(List.of(InformationCategory.SUBSTANCE_USE_DISORDER))
            .setPart2(false)
            .build();
    ConsentCheck base = check(namesSudButNotPart2);
    ConsentCheck sud =
        new ConsentCheck(
            base.consent(),
            false,
            NOW,
            base.disclosingAgencyId(),
            base.clientPseudonym(),
            base.recipientProviderId(),
            base.recipientServiceCategories(),
            EnumSet.of(InformationCategory.SUBSTANCE_USE_DISORDER),
            base.purpose());
    assertThat(refusedBy(sud)).isEqualTo("part2-consent-required");

    ConsentCheck withPart2 =
        new ConsentCheck(
            Optional.of(ConsentDetails.newBuilder(namesSudButNotPart2).setPart2(true).build()),
            false,
            NOW,
            base.disclosingAgencyId(),
            base.clientPseudonym(),
            base.recipientProviderId(),
            base.recipientServiceCategories(),
            sud.categories(),
            base.purpose());
    assertThat(refusedBy(withPart2)).isEqualTo("allowed");
  }

  @Test
  void rejectsOtherPurpose() {
    ConsentCheck base = check(CONSENT);
    ConsentCheck payment =
        new ConsentCheck(
            base.consent(),
            false,
            NOW,
            base.disclosingAgencyId(),
            base.clientPseudonym(),
            base.recipientProviderId(),
            base.recipientServiceCategories(),
            base.categories(),
            "HPAYMT");
    assertThat(refusedBy(payment)).isEqualTo("consent-purpose-mismatch");
  }

  @Test
  void everyPolicyHasADistinctStableName() {
    assertThat(ConsentPolicy.ALL)
        .extracting(ConsentPolicy::name)
        .doesNotHaveDuplicates()
        .allMatch(n -> n.matches("[a-z0-9-]+"));
  }
}
