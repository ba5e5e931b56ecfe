package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ProviderDirectoryRecords;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Part 2 recording rules over real HTTP against a real broker: recipients named or reached
 * through an intermediary (42 CFR 2.31(a)(4)), a representative's authority on record, and a
 * minor's own signature where the agency's state rule allows it (42 CFR 2.14). A refusal answers
 * with its problem type and leaves the consent topic as it was.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class Part2ConsentRecordingTests {

  /**
   * A provider of substance-use treatment that treats clients, and a peer-support line that does
   * not.
   */
  static final String TREATING = "harbor-recovery-" + UUID.randomUUID().toString().substring(0, 8);

  static final String NOT_TREATING = "peer-line-" + UUID.randomUUID().toString().substring(0, 8);

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
    // county-hhs keeps the default rule (a parent or guardian signs for a minor); harbor-shelter
    // works under a state that lets a minor of 12 or more consent to SUD treatment alone.
    properties.add("gateway.minor-consent.agencies.harbor-shelter.age-of-majority", () -> "18");
    properties.add("gateway.minor-consent.agencies.harbor-shelter.minimum-age", () -> "12");
    properties.add(
        "gateway.minor-consent.agencies.harbor-shelter.part2-minor-may-sign", () -> "true");
    ProviderDirectoryRecords.publish(substanceUseTreatment(TREATING, true));
    ProviderDirectoryRecords.publish(substanceUseTreatment(NOT_TREATING, false));
  }

  private static ProviderListed substanceUseTreatment(String id, boolean treating) {
    return ProviderListed.newBuilder(
            ProviderDirectoryRecords.served(
                id,
                id,
                List.of("substance-use-treatment"),
                Map.of("outpatient", "Outpatient treatment")))
        .setTreatingProvider(treating)
        .build();
  }

  @LocalServerPort int port;

  GatewayClient client() {
    return new GatewayClient(port);
  }

  @BeforeEach
  void awaitReadiness() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> client().get(null, "/actuator/health/readiness").status() == 200);
  }

  static int count() {
    return TestInfrastructure.readAll(Topics.CONSENT_EVENTS.name()).size();
  }

  /** Every category, so the referral's client fields and narrative are all covered. */
  static final String SUD =
      "\"DEMOGRAPHICS\", \"CONTACT_DETAILS\", \"SOCIAL_NEEDS\", \"HEALTH_CONDITIONS\","
          + " \"MENTAL_HEALTH\", \"SUBSTANCE_USE_DISORDER\"";

  /** A Part 2 consent with these recipients and this signature block, otherwise complete. */
  static String part2Consent(String recipients, String signature) {
    return part2Consent("client-" + UUID.randomUUID(), recipients, signature);
  }

  static String part2Consent(String clientId, String recipients, String signature) {
    Instant signed = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    Instant expires = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    return """
        {"clientId": "%s",
         "recipients": %s,
         "informationCategories": [%s],
         "part2": true,
         "purpose": "TREAT",
         "expiresAt": "%s",
         "signature": {"method": "ELECTRONIC", "signedAt": "%s", %s},
         "revocationRightAcknowledged": true,
         "servicesConditionedOnSigning": false,
         "redisclosureNoticeAcknowledged": true,
         "sourceReference": "forms/part2-1"}
        """
        .formatted(clientId, recipients, SUD, expires, signed, signature);
  }

  static final String CLIENT_SIGNS = "\"signerRole\": \"CLIENT\"";
  static final String NAMED = "{\"providerIds\": [\"%s\"]}".formatted(TREATING);
  static final String CLASS_ONLY = "{\"serviceCategories\": [\"substance-use-treatment\"]}";
  static final String CLASS_VIA_EXCHANGE =
      """
      {"serviceCategories": ["substance-use-treatment"],
       "intermediary": {"id": "referral-exchange", "name": "The referral exchange"}}""";

  static String minor(int age) {
    return CLIENT_SIGNS + ", \"clientAge\": " + age;
  }

  static String parentSigns(int age) {
    return """
        "signerRole": "LEGAL_REPRESENTATIVE", "clientAge": %d,
        "representativeAuthority": {"kind": "PARENT_OR_GUARDIAN", "documentReference": "forms/birth-cert-1"}"""
        .formatted(age);
  }

  GatewayClient.Response recorded(String agency, String body) {
    int before = count();
    GatewayClient.Response response = client().post(agency, "/api/v1/consents", body);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    assertThat(count()).isEqualTo(before + 1);
    return response;
  }

  void refused(String agency, String body, String type, String field) {
    int before = count();
    GatewayClient.Response response = client().post(agency, "/api/v1/consents", body);
    assertThat(response.status()).as(response.body()).isEqualTo(422);
    assertThat(response.json().path("type").asString()).isEqualTo("/problems/" + type);
    assertThat(response.json().path("detail").asString()).contains(field);
    assertThat(count()).isEqualTo(before);
  }

  // --- recipients (42 CFR 2.31(a)(4)) ----------------------------------------------------

  @Test
  void aPart2ConsentNamingOnlyAClassIsRefusedAndPublishesNothing() {
    refused(
        "county-hhs",
        part2Consent(CLASS_ONLY, CLIENT_SIGNS),
        "part2-recipients-not-named",
        "recipients.intermediary");
  }

  @Test
  void aPart2ConsentNamingAnIntermediaryAndAClassIsRecordedWithTheIntermediary() {
    GatewayClient.Response response =
        recorded("county-hhs", part2Consent(CLASS_VIA_EXCHANGE, CLIENT_SIGNS));

    assertThat(response.json().path("recipientIntermediary").path("id").asString())
        .isEqualTo("referral-exchange");
  }

  @Test
  void aPart2ConsentNamingItsProvidersNeedsNoIntermediary() {
    recorded("county-hhs", part2Consent(NAMED, CLIENT_SIGNS));
  }

  @Test
  void aPart2ClassThroughTheIntermediaryReachesATreatingProviderButNotOneThatDoesNotTreat() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId =
        recorded("county-hhs", part2Consent(clientId, CLASS_VIA_EXCHANGE, CLIENT_SIGNS))
            .json()
            .path("consentId")
            .asString();

    GatewayClient.Response toTreating = submitPart2(consentId, clientId, TREATING);
    GatewayClient.Response toNotTreating = submitPart2(consentId, clientId, NOT_TREATING);

    assertThat(toTreating.status()).as(toTreating.body()).isEqualTo(202);
    assertThat(toNotTreating.status()).as(toNotTreating.body()).isEqualTo(422);
    assertThat(toNotTreating.json().path("type").asString())
        .isEqualTo("/problems/consent-does-not-cover-recipient");
  }

  private GatewayClient.Response submitPart2(String consentId, String clientId, String provider) {
    String body =
        Requests.referral(consentId, clientId, SUD)
            .replace("\"northside-food-bank\"", "\"" + provider + "\"")
            .replace("\"emergency-groceries\"", "\"outpatient\"")
            .replace("\"purpose\": \"COC\"", "\"purpose\": \"TREAT\"");
    return client()
        .post("county-hhs", "/api/v1/referrals", body, "Idempotency-Key", "k-" + UUID.randomUUID());
  }

  // --- signatures (42 CFR 2.14, 2.31(a)(8); HIPAA 164.508(c)(1)(vi)) ----------------------

  @Test
  void aRepresentativeWithoutAuthorityIsRefusedAndPublishesNothing() {
    refused(
        "county-hhs",
        part2Consent(NAMED, "\"signerRole\": \"LEGAL_REPRESENTATIVE\""),
        "representative-authority",
        "signature.representativeAuthority");
  }

  @Test
  void anAuthorityOnTheClientsOwnSignatureIsRefusedAndPublishesNothing() {
    refused(
        "county-hhs",
        part2Consent(
            NAMED,
            CLIENT_SIGNS
                + ", \"representativeAuthority\": {\"kind\": \"HEALTH_CARE_POWER_OF_ATTORNEY\","
                + " \"documentReference\": \"forms/poa-1\"}"),
        "representative-authority",
        "signature.representativeAuthority");
  }

  @Test
  void aRepresentativesAuthorityIsRecordedWithTheConsent() {
    GatewayClient.Response response =
        recorded(
            "county-hhs",
            part2Consent(
                NAMED,
                """
                "signerRole": "LEGAL_REPRESENTATIVE",
                "representativeAuthority": {"kind": "COURT_APPOINTED_GUARDIAN", "documentReference": "court/order-77"}"""));

    assertThat(response.json().path("representativeAuthority").path("kind").asString())
        .isEqualTo("COURT_APPOINTED_GUARDIAN");
    assertThat(response.json().path("representativeAuthority").path("documentReference").asString())
        .isEqualTo("court/order-77");
  }

  @Test
  void aMinorsOwnPart2SignatureIsRefusedWhereTheStateRuleDoesNotAllowIt() {
    refused(
        "county-hhs",
        part2Consent(NAMED, minor(15)),
        "minor-signature-not-allowed",
        "signature.clientAge");
  }

  @Test
  void aMinorsOwnPart2SignatureIsRecordedWhereTheStateRuleAllowsIt() {
    GatewayClient.Response response = recorded("harbor-shelter", part2Consent(NAMED, minor(15)));

    assertThat(response.json().path("clientMinor").asBoolean()).isTrue();
    assertThat(response.json().path("clientAgeAtSigning").asInt()).isEqualTo(15);
    assertThat(response.json().path("signerRole").asString()).isEqualTo("CLIENT");
  }

  @Test
  void aMinorBelowTheStatesMinimumAgeMayNotSignAlone() {
    refused(
        "harbor-shelter",
        part2Consent(NAMED, minor(11)),
        "minor-signature-not-allowed",
        "signature.clientAge");
  }

  @Test
  void aParentMayNotSignForAMinorWhoConsentsAloneUnderStateLaw() {
    refused(
        "harbor-shelter",
        part2Consent(NAMED, parentSigns(15)),
        "minor-must-sign",
        "signature.signerRole");
  }

  @Test
  void aParentSignsForAMinorWhereTheStateRuleRequiresIt() {
    GatewayClient.Response response = recorded("county-hhs", part2Consent(NAMED, parentSigns(15)));

    assertThat(response.json().path("clientMinor").asBoolean()).isTrue();
    assertThat(response.json().path("representativeAuthority").path("kind").asString())
        .isEqualTo("PARENT_OR_GUARDIAN");
  }

  @Test
  void anAdultsAgeMakesNoMinor() {
    GatewayClient.Response response = recorded("county-hhs", part2Consent(NAMED, minor(18)));

    assertThat(response.json().path("clientMinor").asBoolean()).isFalse();
  }
}
