package org.referralexchange.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.events.v1.InformationCategory.CONTACT_DETAILS;
import static org.referralexchange.events.v1.InformationCategory.DEMOGRAPHICS;
import static org.referralexchange.events.v1.InformationCategory.HEALTH_CONDITIONS;
import static org.referralexchange.events.v1.InformationCategory.MENTAL_HEALTH;
import static org.referralexchange.events.v1.InformationCategory.SOCIAL_NEEDS;
import static org.referralexchange.events.v1.InformationCategory.SUBSTANCE_USE_DISORDER;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.InformationCategory;

/** The content policy, one scenario per test: what each consent lets a referral carry. */
class ContentPolicyTests {

  private static final List<String> EVERY_FIELD =
      List.of(
          "givenName",
          "familyName",
          "birthDate",
          "identifiers",
          "preferredLanguage",
          "phone",
          "email",
          "address",
          "needs",
          "narrative");

  private static final Optional<List<InformationCategory>> UNDECLARED = Optional.empty();

  private static Set<String> covered(InformationCategory... categories) {
    return ContentPolicy.coveredFields(Set.of(categories), UNDECLARED);
  }

  @Test
  void demographicsCoversNameBirthDateIdentifiersAndPreferredLanguage() {
    assertThat(covered(DEMOGRAPHICS))
        .containsExactlyInAnyOrder(
            "givenName", "familyName", "birthDate", "identifiers", "preferredLanguage");
  }

  @Test
  void contactDetailsCoversPhoneEmailAndAddress() {
    assertThat(covered(CONTACT_DETAILS)).containsExactlyInAnyOrder("phone", "email", "address");
  }

  @Test
  void socialNeedsCoversTheNeedCodesOnly() {
    assertThat(covered(SOCIAL_NEEDS)).containsExactly("needs");
  }

  @Test
  void healthMentalHealthAndSubstanceUseCoverNoStructuredField() {
    assertThat(covered(HEALTH_CONDITIONS, MENTAL_HEALTH, SUBSTANCE_USE_DISORDER)).isEmpty();
  }

  @Test
  void everyCategoryIsMapped() {
    assertThat(ContentPolicy.FIELDS).containsOnlyKeys(InformationCategory.values());
  }

  @Test
  void aSocialNeedsOnlyConsentRefusesNameBirthDateContactAndAnUndeclaredNarrative() {
    PolicyDecision decision = ContentPolicy.check(EVERY_FIELD, Set.of(SOCIAL_NEEDS), UNDECLARED);

    assertThat(decision)
        .isEqualTo(
            PolicyDecision.rejected(
                ContentPolicy.NAME,
                "the referral carries fields its consent does not cover: [address, birthDate,"
                    + " email, familyName, givenName, identifiers, narrative, phone,"
                    + " preferredLanguage]"));
  }

  @Test
  void aConsentWithoutSocialNeedsRefusesNeedCodes() {
    assertThat(
            ContentPolicy.uncovered(
                List.of("givenName", "needs"), Set.of(DEMOGRAPHICS, CONTACT_DETAILS), UNDECLARED))
        .containsExactly("needs");
  }

  @Test
  void aConsentWithoutSocialNeedsAllowsAReferralCarryingTheTargetServiceAlone() {
    assertThat(ContentPolicy.check(List.of(), Set.of(DEMOGRAPHICS), UNDECLARED).isAllowed())
        .isTrue();
  }

  @Test
  void aConsentWithoutDemographicsAllowsAReferralWithoutNames() {
    assertThat(
            ContentPolicy.check(
                    List.of("phone", "needs"), Set.of(CONTACT_DETAILS, SOCIAL_NEEDS), UNDECLARED)
                .isAllowed())
        .isTrue();
  }

  @Test
  void anUndeclaredNarrativeIsRefusedUnlessEverySensitiveCategoryIsCovered() {
    Set<InformationCategory> allButSubstanceUse =
        EnumSet.of(DEMOGRAPHICS, SOCIAL_NEEDS, HEALTH_CONDITIONS, MENTAL_HEALTH);

    assertThat(ContentPolicy.uncovered(List.of("narrative"), allButSubstanceUse, UNDECLARED))
        .containsExactly("narrative");
  }

  @Test
  void anUndeclaredNarrativeGoesUnderAConsentCoveringEverySensitiveCategory() {
    assertThat(covered(SOCIAL_NEEDS, HEALTH_CONDITIONS, MENTAL_HEALTH, SUBSTANCE_USE_DISORDER))
        .contains("narrative");
  }

  @Test
  void aNarrativeDeclaredAsSocialNeedsGoesUnderASocialNeedsConsent() {
    assertThat(
            ContentPolicy.check(
                    List.of("narrative", "needs"),
                    Set.of(SOCIAL_NEEDS),
                    Optional.of(List.of(SOCIAL_NEEDS)))
                .isAllowed())
        .isTrue();
  }

  @Test
  void aNarrativeDeclaredWithACategoryTheConsentDoesNotCoverIsRefused() {
    assertThat(
            ContentPolicy.uncovered(
                List.of("narrative"),
                Set.of(DEMOGRAPHICS, SOCIAL_NEEDS),
                Optional.of(List.of(SOCIAL_NEEDS, MENTAL_HEALTH))))
        .containsExactly("narrative");
  }

  @Test
  void addressPartsAreCoveredWithTheAddress() {
    assertThat(
            ContentPolicy.uncovered(
                List.of("addressLines", "city", "state", "postalCode"),
                Set.of(CONTACT_DETAILS),
                UNDECLARED))
        .isEmpty();
    assertThat(
            ContentPolicy.uncovered(List.of("city", "givenName"), Set.of(DEMOGRAPHICS), UNDECLARED))
        .containsExactly("city");
  }

  @Test
  void aConsentCoveringEveryCategoryAllowsEveryField() {
    assertThat(
            ContentPolicy.check(EVERY_FIELD, EnumSet.allOf(InformationCategory.class), UNDECLARED)
                .isAllowed())
        .isTrue();
  }
}
