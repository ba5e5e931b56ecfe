package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Part 2 consents and referrals through the API, for the return-flow and accounting tests. */
final class PartTwoFlows {

  static final String ALL_CATEGORIES =
      "\"DEMOGRAPHICS\", \"CONTACT_DETAILS\", \"SOCIAL_NEEDS\", \"HEALTH_CONDITIONS\","
          + " \"MENTAL_HEALTH\", \"SUBSTANCE_USE_DISORDER\"";

  private PartTwoFlows() {}

  static void awaitReadiness(GatewayClient client) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> client.get(null, "/actuator/health/readiness").status() == 200);
  }

  /** A Part 2 consent for the food bank; {@code returnAllowed} null leaves the field out. */
  static GatewayClient.Response recordConsent(
      GatewayClient client, String clientId, Boolean returnAllowed) {
    String body =
        Requests.consent(
            clientId,
            "northside-food-bank",
            ALL_CATEGORIES,
            true,
            "COC",
            Instant.now().plus(365, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS));
    if (returnAllowed != null) {
      body =
          body.replace(
              "\"sourceReference\"",
              "\"returnDisclosureAllowed\": " + returnAllowed + ", \"sourceReference\"");
    }
    GatewayClient.Response response = client.post("county-hhs", "/api/v1/consents", body);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    return response;
  }

  /** A referral under that consent carrying every category, SUBSTANCE_USE_DISORDER included. */
  static String submit(GatewayClient client, String consentId, String clientId) {
    GatewayClient.Response response =
        client.post(
            "county-hhs",
            "/api/v1/referrals",
            Requests.referral(consentId, clientId, ALL_CATEGORIES),
            "Idempotency-Key",
            "key-" + UUID.randomUUID());
    assertThat(response.status()).as(response.body()).isEqualTo(202);
    return response.json().path("referralId").asString();
  }
}
