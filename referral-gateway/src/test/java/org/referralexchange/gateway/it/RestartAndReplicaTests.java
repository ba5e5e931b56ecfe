package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.ReferralGatewayApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Kafka is the gateway's only store: a restarted instance, and a second instance beside it, must
 * know every consent and referral and answer exactly as the first did.
 */
class RestartAndReplicaTests {

  private static ConfigurableApplicationContext startGateway() {
    return new SpringApplicationBuilder(ReferralGatewayApplication.class)
        .run(TestInfrastructure.gatewayArguments("--spring.main.banner-mode=off"));
  }

  private static GatewayClient clientOf(ConfigurableApplicationContext gateway) {
    GatewayClient client =
        new GatewayClient(
            Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port")));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> client.get(null, "/actuator/health/readiness").status() == 200);
    return client;
  }

  @Test
  void restartedAndSecondInstancesAnswerLikeTheFirst() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId;
    String referralId;
    JsonNode referralBefore;
    JsonNode consentBefore;
    try (ConfigurableApplicationContext first = startGateway()) {
      GatewayClient client = clientOf(first);
      consentId =
          client
              .post("county-hhs", "/api/v1/consents", Requests.consent(clientId))
              .json()
              .path("consentId")
              .asString();
      referralId =
          client
              .post(
                  "county-hhs",
                  "/api/v1/referrals",
                  Requests.referral(consentId, clientId),
                  "Idempotency-Key",
                  "restart-" + clientId)
              .json()
              .path("referralId")
              .asString();
      client.post(
          "county-hhs",
          "/api/v1/referrals/" + referralId + "/cancellation",
          "{\"reasonCode\": \"client-declined\"}");
      referralBefore = client.get("county-hhs", "/api/v1/referrals/" + referralId).json();
      consentBefore = client.get("county-hhs", "/api/v1/consents/" + consentId).json();
    }
    assertThat(referralBefore.path("status").asString()).isEqualTo("CANCELLED");

    try (ConfigurableApplicationContext restarted = startGateway();
        ConfigurableApplicationContext replica = startGateway()) {
      for (GatewayClient client : new GatewayClient[] {clientOf(restarted), clientOf(replica)}) {
        assertThat(client.get("county-hhs", "/api/v1/referrals/" + referralId).json())
            .isEqualTo(referralBefore);
        assertThat(client.get("county-hhs", "/api/v1/consents/" + consentId).json())
            .isEqualTo(consentBefore);
        GatewayClient.Response retried =
            client.post(
                "county-hhs",
                "/api/v1/referrals",
                Requests.referral(consentId, clientId),
                "Idempotency-Key",
                "restart-" + clientId);
        assertThat(retried.status()).isEqualTo(202);
        assertThat(retried.json().path("referralId").asString()).isEqualTo(referralId);
        assertThat(retried.header("Idempotent-Replayed")).isEqualTo("true");
      }
    }
  }
}
