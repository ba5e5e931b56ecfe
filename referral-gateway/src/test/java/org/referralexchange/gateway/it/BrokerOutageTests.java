package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.ReferralGatewayApplication;
import org.referralexchange.testing.ProviderDirectoryRecords;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** With the broker gone, the gateway says 503 with Retry-After, never a 2xx without an ack. */
class BrokerOutageTests {

  @Test
  void brokerDownMeansServiceUnavailableAndNothingAccepted() {
    EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
    broker.afterPropertiesSet();
    String registry = TestInfrastructure.registryUrl();
    boolean brokerUp = true;
    try (ConfigurableApplicationContext gateway =
        new SpringApplicationBuilder(ReferralGatewayApplication.class)
            .run(
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--spring.kafka.properties.schema.registry.url=" + registry,
                "--gateway.encryption.keyset-json=" + TestInfrastructure.KEYSET,
                "--gateway.hmac-secret=" + TestInfrastructure.HMAC_SECRET,
                "--exchange.kafka.publish-timeout=2s")) {
      GatewayClient client =
          new GatewayClient(
              Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port")));
      // This broker's directory is empty until an adapter (here, the test) lists providers.
      ProviderDirectoryRecords.publishDemoProviders(broker.getBrokersAsString());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> client.get(null, "/actuator/health/readiness").status() == 200);
      String clientId = "client-" + UUID.randomUUID();
      String consentId =
          client
              .post("county-hhs", "/api/v1/consents", Requests.consent(clientId))
              .json()
              .path("consentId")
              .asString();

      broker.destroy();
      brokerUp = false;
      long started = System.nanoTime();
      GatewayClient.Response refused =
          client.post(
              "county-hhs",
              "/api/v1/referrals",
              Requests.referral(consentId, clientId),
              "Idempotency-Key",
              "outage-" + clientId);
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(refused.status()).as(refused.body()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isNotBlank();
      assertThat(refused.json().path("type").asString()).isEqualTo("/problems/broker-unavailable");
      assertThat(took).isLessThan(Duration.ofSeconds(15));
      GatewayClient.Response consentRefused =
          client.post("county-hhs", "/api/v1/consents", Requests.consent("other-" + clientId));
      assertThat(consentRefused.status()).isEqualTo(503);
    } finally {
      if (brokerUp) {
        broker.destroy();
      }
    }
  }
}
