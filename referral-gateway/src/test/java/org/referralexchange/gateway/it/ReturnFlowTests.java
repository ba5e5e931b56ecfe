package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Money;
import org.referralexchange.events.v1.Outcome;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The return flow (42 CFR 2.31, 2.32): a Part 2 provider's answers reach the referring agency in
 * full only when the consent allows it; otherwise the referrer sees that the provider answered,
 * never which answer, why, or the outcome. The provider's own agency always sees them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReturnFlowTests {

  static final String PROVIDER_WORDS = "Zebulon-Canary started treatment on Tuesday";

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
  }

  @LocalServerPort int port;

  GatewayClient client() {
    return new GatewayClient(port);
  }

  @BeforeEach
  void ready() {
    PartTwoFlows.awaitReadiness(client());
  }

  /** The provider accepts (with words of its own), then completes with an outcome and a cost. */
  static void providerAcceptsThenCompletes(String referralId) {
    Actor provider =
        Actor.newBuilder()
            .setRole(ActorRole.PROVIDER)
            .setOrganizationId("northside-food-bank")
            .build();
    Instant now = Instant.now();
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referralId,
        ReferralStatusChanged.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(now.minusSeconds(60))
            .setReferralId(referralId)
            .setProviderId("northside-food-bank")
            .setStatus(ReferralStatus.ACCEPTED)
            .setReason(Reason.newBuilder().setCode("other").setText(PROVIDER_WORDS).build())
            .setActor(provider)
            .setProviderReference("Task/42")
            .build());
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referralId,
        ReferralStatusChanged.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(now)
            .setReferralId(referralId)
            .setProviderId("northside-food-bank")
            .setStatus(ReferralStatus.COMPLETED)
            .setActor(provider)
            .setProviderReference("Task/42")
            .setOutcome(
                Outcome.newBuilder()
                    .setDelivered("Detox program, " + PROVIDER_WORDS)
                    .setUnits(5.0)
                    .setUnitName("sessions")
                    .setCost(
                        Money.newBuilder()
                            .setAmount(new BigDecimal("120.00"))
                            .setCurrency("USD")
                            .build())
                    .build())
            .build());
  }

  /** Waits until the provider's agency sees the completion, so the view has both answers. */
  JsonNode seenByProvider(String referralId) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> client().get("northside-food-bank", "/api/v1/referrals/" + referralId),
            r -> r.json().path("status").asString().equals("COMPLETED"))
        .json();
  }

  String referral(Boolean returnAllowed) {
    String clientId = "client-" + UUID.randomUUID();
    String consentId =
        PartTwoFlows.recordConsent(client(), clientId, returnAllowed)
            .json()
            .path("consentId")
            .asString();
    return PartTwoFlows.submit(client(), consentId, clientId);
  }

  @Test
  void partTwoAnswersWithoutReturnConsentReachTheReferrerOnlyAsAnswered() {
    String referralId = referral(null);
    providerAcceptsThenCompletes(referralId);
    seenByProvider(referralId);

    GatewayClient.Response referrer = client().get("county-hhs", "/api/v1/referrals/" + referralId);
    JsonNode shown = referrer.json();
    assertThat(shown.path("status").asString()).isEqualTo("ANSWERED");
    assertThat(shown.path("answersWithheld").asBoolean()).isTrue();
    List<String> statuses = new java.util.ArrayList<>();
    for (int i = 0; i < shown.path("timeline").size(); i++) {
      statuses.add(shown.path("timeline").get(i).path("status").asString());
    }
    assertThat(statuses).containsExactly("REQUESTED", "ANSWERED");
    JsonNode answered = shown.path("timeline").get(1);
    assertThat(answered.path("actorOrganizationId").asString()).isEqualTo("northside-food-bank");
    assertThat(answered.path("reasonCode").isNull()).isTrue();
    assertThat(answered.path("outcome").isNull()).isTrue();
    assertThat(referrer.body())
        .doesNotContain("ACCEPTED")
        .doesNotContain("COMPLETED")
        .doesNotContain(PROVIDER_WORDS)
        .doesNotContain("120.00")
        .doesNotContain("sessions")
        .doesNotContain("Task/42");
  }

  @Test
  void partTwoStatusFilterDoesNotRevealAWithheldAnswer() {
    String referralId = referral(false);
    providerAcceptsThenCompletes(referralId);
    seenByProvider(referralId);

    assertThat(client().get("county-hhs", "/api/v1/referrals?status=COMPLETED&size=100").body())
        .doesNotContain(referralId);
    assertThat(client().get("county-hhs", "/api/v1/referrals?size=100").body())
        .contains(referralId);
    assertThat(
            client()
                .get("northside-food-bank", "/api/v1/referrals?status=COMPLETED&size=100")
                .body())
        .contains(referralId);
  }

  @Test
  void partTwoAnswersReachTheProvidersOwnAgencyInFull() {
    String referralId = referral(null);
    providerAcceptsThenCompletes(referralId);

    JsonNode shown = seenByProvider(referralId);
    assertThat(shown.path("answersWithheld").asBoolean()).isFalse();
    assertThat(shown.path("timeline").get(1).path("status").asString()).isEqualTo("ACCEPTED");
    assertThat(shown.path("timeline").get(2).path("outcome").path("costAmount").decimalValue())
        .isEqualByComparingTo("120.00");
  }

  @Test
  void partTwoAnswersWithReturnConsentReachTheReferrerInFull() {
    String referralId = referral(true);
    providerAcceptsThenCompletes(referralId);
    seenByProvider(referralId);

    JsonNode shown = client().get("county-hhs", "/api/v1/referrals/" + referralId).json();
    assertThat(shown.path("status").asString()).isEqualTo("COMPLETED");
    assertThat(shown.path("answersWithheld").asBoolean()).isFalse();
    assertThat(shown.path("timeline").get(1).path("reasonText").asString())
        .isEqualTo(PROVIDER_WORDS);
  }

  @Test
  void aConsentRecordsWhetherTheReturnDisclosureIsAllowedDefaultingToNo() {
    String unstated = "client-" + UUID.randomUUID();
    String allowed = "client-" + UUID.randomUUID();
    assertThat(
            PartTwoFlows.recordConsent(client(), unstated, null)
                .json()
                .path("returnDisclosureAllowed")
                .asBoolean())
        .isFalse();
    assertThat(
            PartTwoFlows.recordConsent(client(), allowed, true)
                .json()
                .path("returnDisclosureAllowed")
                .asBoolean())
        .isTrue();
  }
}
