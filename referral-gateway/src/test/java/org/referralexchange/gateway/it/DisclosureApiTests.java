package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.DisclosureKind;
import org.referralexchange.events.v1.DisclosurePath;
import org.referralexchange.events.v1.DisclosureRecorded;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/clients/{clientId}/disclosures}: a client's accounting of disclosures (42 CFR
 * 2.24, 45 CFR 164.528) from {@code consent.disclosures}, for the agency that disclosed only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DisclosureApiTests {

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

  static DisclosureRecorded disclosure(
      String pseudonym, String agency, DisclosureKind kind, Instant at, String reasonCode) {
    return DisclosureRecorded.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(at)
        .setClientPseudonym(pseudonym)
        .setDisclosingAgencyId(agency)
        .setReferralId("ref-" + UUID.randomUUID())
        .setConsentId("cns-1")
        .setProviderId("northside-food-bank")
        .setProviderName("Northside Food Bank")
        .setInformationCategories(
            List.of(InformationCategory.DEMOGRAPHICS, InformationCategory.SUBSTANCE_USE_DISORDER))
        .setPurpose("COC")
        .setKind(kind)
        .setPath(DisclosurePath.WEBHOOK)
        .setReasonCode(reasonCode)
        .build();
  }

  @Test
  void listsAClientsDisclosuresNewestFirstForTheDisclosingAgency() {
    String clientId = "client-" + UUID.randomUUID();
    String pseudonym =
        PartTwoFlows.recordConsent(client(), clientId, null)
            .json()
            .path("clientPseudonym")
            .asString();
    Instant delivered = Instant.parse("2026-12-01T10:00:00Z");
    DisclosureRecorded delivery =
        disclosure(pseudonym, "county-hhs", DisclosureKind.DELIVERED, delivered, null);
    ExchangeInfrastructure.publish(Topics.CONSENT_DISCLOSURES, pseudonym, delivery);
    // The same disclosure written twice (two instances in a race) is listed once.
    ExchangeInfrastructure.publish(Topics.CONSENT_DISCLOSURES, pseudonym, delivery);
    ExchangeInfrastructure.publish(
        Topics.CONSENT_DISCLOSURES,
        pseudonym,
        disclosure(
            pseudonym,
            "county-hhs",
            DisclosureKind.WITHDRAWN,
            delivered.plusSeconds(3600),
            "consent-revoked"));
    // Another agency's disclosure under the same pseudonym is not this agency's to list.
    ExchangeInfrastructure.publish(
        Topics.CONSENT_DISCLOSURES,
        pseudonym,
        disclosure(pseudonym, "harbor-shelter", DisclosureKind.DELIVERED, delivered, null));

    JsonNode accounting =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> client().get("county-hhs", "/api/v1/clients/" + clientId + "/disclosures"),
                r -> r.status() == 200 && r.json().path("disclosures").size() >= 2)
            .json();

    JsonNode entries = accounting.path("disclosures");
    assertThat(entries.size()).isEqualTo(2);
    assertThat(entries.get(0).path("kind").asString()).isEqualTo("WITHDRAWN");
    assertThat(entries.get(0).path("reasonCode").asString()).isEqualTo("consent-revoked");
    JsonNode first = entries.get(1);
    assertThat(first.path("kind").asString()).isEqualTo("DELIVERED");
    assertThat(first.path("disclosedAt").asString()).isEqualTo("2026-12-01T10:00:00Z");
    assertThat(first.path("providerName").asString()).isEqualTo("Northside Food Bank");
    assertThat(first.path("referralId").asString()).isEqualTo(delivery.getReferralId());
    assertThat(first.path("path").asString()).isEqualTo("WEBHOOK");
    assertThat(first.path("informationCategories").toString())
        .contains("DEMOGRAPHICS", "SUBSTANCE_USE_DISORDER");
  }

  @Test
  void anotherAgencyAskingForTheClientIsNotFound() {
    String clientId = "client-" + UUID.randomUUID();
    PartTwoFlows.recordConsent(client(), clientId, null);

    GatewayClient.Response other =
        client().get("harbor-shelter", "/api/v1/clients/" + clientId + "/disclosures");

    assertThat(other.status()).isEqualTo(404);
    assertThat(other.json().path("type").asString()).endsWith("/problems/not-found");
    // The detail does not repeat the id (the problem's instance is the caller's own request path).
    assertThat(other.json().path("detail").asString()).doesNotContain(clientId);
  }

  @Test
  void aClientIdTooLongIsAValidationProblem() {
    GatewayClient.Response refused =
        client().get("county-hhs", "/api/v1/clients/" + "x".repeat(200) + "/disclosures");

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("type").asString()).endsWith("/problems/validation-failed");
  }

  @Test
  void aClientWithNothingDisclosedHasAnEmptyAccounting() {
    String clientId = "client-" + UUID.randomUUID();
    PartTwoFlows.recordConsent(client(), clientId, null);

    GatewayClient.Response accounting =
        client().get("county-hhs", "/api/v1/clients/" + clientId + "/disclosures");

    assertThat(accounting.status()).isEqualTo(200);
    assertThat(accounting.json().path("disclosures").size()).isZero();
  }
}
