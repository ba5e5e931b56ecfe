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
import org.referralexchange.events.v1.ConsentIntermediary;
import org.referralexchange.events.v1.ConsentRecipients;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.schemas.samples.SampleEvents;

class ConsentPolicyTests {

  private static final ConsentDetails CONSENT =
      SampleEvents.consentRecorded("consent-1").getConsent();
  private static final Instant NOW = CONSENT.getEffectiveFrom().plus(Duration.ofDays(1));
  private static final Set<InformationCategory> SENT =
      EnumSet.of(InformationCategory.DEMOGRAPHICS, InformationCategory.SOCIAL_NEEDS);

  /** A disclosure by county-hhs to the food bank, varied by what a test changes. */
  private static ConsentCheck check(
      ConsentDetails consent,
      boolean revoked,
      String agency,
      Set<InformationCategory> categories,
      String purpose) {
    return new ConsentCheck(
        Optional.ofNullable(consent),
        revoked,
        NOW,
        agency,
        consent == null ? "cl-x" : consent.getClientPseudonym(),
        "northside-food-bank",
        Set.of("food"),
        categories,
        purpose);
  }

  private static ConsentCheck check(ConsentDetails consent) {
    return check(consent, false, "county-hhs", SENT, "COC");
  }

  private static String refusedBy(ConsentCheck check) {
    PolicyDecision decision = ConsentPolicy.evaluateAll(check);
    return decision instanceof PolicyDecision.Rejected r ? r.policy() : "allowed";
  }

  private static ConsentDetails withRecipients(ConsentRecipients recipients) {
    return ConsentDetails.newBuilder(CONSENT).setRecipients(recipients).build();
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
    assertThat(refusedBy(check(CONSENT, false, "other-agency", SENT, "COC")))
        .isEqualTo("consent-not-for-this-client");
  }

  @Test
  void rejectsRevokedConsent() {
    assertThat(refusedBy(check(CONSENT, true, "county-hhs", SENT, "COC")))
        .isEqualTo("consent-revoked");
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
        withRecipients(
            ConsentRecipients.newBuilder().setProviderIds(List.of("another-provider")).build());
    assertThat(refusedBy(check(elsewhere))).isEqualTo("consent-does-not-cover-recipient");
  }

  @Test
  void acceptsRecipientInTheConsentedClass() {
    ConsentDetails byClass =
        withRecipients(
            ConsentRecipients.newBuilder().setServiceCategories(List.of("food")).build());
    assertThat(refusedBy(check(byClass))).isEqualTo("allowed");
  }

  // 42 CFR 2.31(a)(4): a Part 2 disclosure goes to named recipients, or through a named
  // intermediary to a class limited to treating providers.

  private static final Set<InformationCategory> SUD =
      EnumSet.of(InformationCategory.SUBSTANCE_USE_DISORDER);

  private static ConsentDetails part2(ConsentRecipients recipients) {
    return ConsentDetails.newBuilder(CONSENT)
        .setPart2(true)
        .setInformationCategories(List.of(InformationCategory.SUBSTANCE_USE_DISORDER))
        .setRecipients(recipients)
        .build();
  }

  private static ConsentCheck part2Check(ConsentDetails consent, boolean recipientTreats) {
    return new ConsentCheck(
        Optional.of(consent),
        false,
        NOW,
        "county-hhs",
        consent.getClientPseudonym(),
        "harbor-recovery",
        Set.of("substance-use-treatment"),
        SUD,
        "COC",
        recipientTreats);
  }

  private static final ConsentRecipients TREATMENT_CLASS =
      ConsentRecipients.newBuilder()
          .setServiceCategories(List.of("substance-use-treatment"))
          .build();

  private static final ConsentRecipients TREATMENT_CLASS_VIA_EXCHANGE =
      ConsentRecipients.newBuilder(TREATMENT_CLASS)
          .setIntermediary(
              ConsentIntermediary.newBuilder()
                  .setId("referral-exchange")
                  .setName("The referral exchange")
                  .build())
          .build();

  @Test
  void part2ClassWithoutIntermediaryCoversNoProviderEvenOneThatTreats() {
    assertThat(refusedBy(part2Check(part2(TREATMENT_CLASS), true)))
        .isEqualTo("consent-does-not-cover-recipient");
  }

  @Test
  void part2ClassThroughNamedIntermediaryCoversTreatingProvider() {
    assertThat(refusedBy(part2Check(part2(TREATMENT_CLASS_VIA_EXCHANGE), true)))
        .isEqualTo("allowed");
  }

  @Test
  void part2ClassThroughNamedIntermediaryDoesNotCoverProviderThatDoesNotTreat() {
    PolicyDecision decision =
        ConsentPolicy.evaluateAll(part2Check(part2(TREATMENT_CLASS_VIA_EXCHANGE), false));
    assertThat(decision)
        .isInstanceOfSatisfying(
            PolicyDecision.Rejected.class,
            r -> {
              assertThat(r.policy()).isEqualTo("consent-does-not-cover-recipient");
              assertThat(r.reason()).contains("treating providers");
            });
  }

  @Test
  void part2ConsentNamingTheProviderCoversItWithoutIntermediary() {
    ConsentRecipients named =
        ConsentRecipients.newBuilder().setProviderIds(List.of("harbor-recovery")).build();
    assertThat(refusedBy(part2Check(part2(named), false))).isEqualTo("allowed");
  }

  @Test
  void classWithoutIntermediaryStillCoversDisclosureWithoutPart2Information() {
    ConsentDetails byClass =
        ConsentDetails.newBuilder(CONSENT)
            .setRecipients(
                ConsentRecipients.newBuilder().setServiceCategories(List.of("food")).build())
            .build();
    assertThat(refusedBy(check(byClass, false, "county-hhs", SENT, "COC"))).isEqualTo("allowed");
  }

  @Test
  void rejectsInformationCategoryNotConsented() {
    assertThat(
            refusedBy(
                check(
                    CONSENT,
                    false,
                    "county-hhs",
                    EnumSet.of(InformationCategory.MENTAL_HEALTH),
                    "COC")))
        .isEqualTo("consent-does-not-cover-information");
  }

  @Test
  void substanceUseInformationNeedsAPart2Consent() {
    ConsentDetails namesSudButNotPart2 =
        ConsentDetails.newBuilder(CONSENT)
            .setInformationCategories(List.of(InformationCategory.SUBSTANCE_USE_DISORDER))
            .setPart2(false)
            .build();
    Set<InformationCategory> sud = EnumSet.of(InformationCategory.SUBSTANCE_USE_DISORDER);

    assertThat(refusedBy(check(namesSudButNotPart2, false, "county-hhs", sud, "COC")))
        .isEqualTo("part2-consent-required");
    ConsentDetails part2 = ConsentDetails.newBuilder(namesSudButNotPart2).setPart2(true).build();
    assertThat(refusedBy(check(part2, false, "county-hhs", sud, "COC"))).isEqualTo("allowed");
  }

  @Test
  void rejectsOtherPurpose() {
    assertThat(refusedBy(check(CONSENT, false, "county-hhs", SENT, "HPAYMT")))
        .isEqualTo("consent-purpose-mismatch");
  }

  @Test
  void everyPolicyHasADistinctStableName() {
    assertThat(ConsentPolicy.ALL)
        .extracting(ConsentPolicy::name)
        .doesNotHaveDuplicates()
        .allMatch(n -> n.matches("[a-z0-9-]+"));
  }
}
