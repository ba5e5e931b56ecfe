package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.ReferralGatewayApplication;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 7, scenario 5 at the gateway: with the schema registry down, a gateway that has its schemas
 * keeps taking referrals and stays ready; a gateway started meanwhile (nothing cached) is not
 * ready, refuses to record with 503 {@code /problems/schema-unavailable} and publishes nothing, and
 * once the registry is back it catches up and records.
 */
class GatewayRegistryOutageTests {

  private static ConfigurableApplicationContext registry(int port) {
    return SchemaRegistryApplication.builder()
        .run(
            "--server.port=" + port,
            "--server.address=127.0.0.1",
            "--registry.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
            "--spring.main.banner-mode=off");
  }

  private static ConfigurableApplicationContext gateway(int registryPort) {
    return new SpringApplicationBuilder(ReferralGatewayApplication.class)
        .run(
            // Not gatewayArguments(): a second registry URL there would be tried after this one.
            "--server.port=0",
            "--spring.main.banner-mode=off",
            "--spring.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
            "--spring.kafka.properties.schema.registry.url=http://127.0.0.1:" + registryPort,
            "--gateway.encryption.keyset-json=" + TestInfrastructure.KEYSET,
            "--gateway.hmac-secret=" + TestInfrastructure.HMAC_SECRET);
  }

  private static GatewayClient client(ConfigurableApplicationContext gateway) {
    return new GatewayClient(
        Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port")));
  }

  private static long records(String topic) {
    return ExchangeInfrastructure.readAll(topic).size();
  }

  @Test
  void cachedSchemasKeepWorkingAndAColdGatewayRefusesWith503UntilTheRegistryIsBack()
      throws Exception {
    ExchangeInfrastructure.createExchangeTopics();
    TestInfrastructure.listDemoProviders();
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ConfigurableApplicationContext registry = registry(port);
    ConfigurableApplicationContext warm = null;
    ConfigurableApplicationContext cold = null;
    try {
      warm = gateway(port);
      GatewayClient a = client(warm);
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> a.get(null, "/actuator/health/readiness").status() == 200);
      String clientId = "client-" + UUID.randomUUID();
      GatewayClient.Response consent =
          a.post("county-hhs", "/api/v1/consents", Requests.consent(clientId));
      assertThat(consent.status()).as(consent.body()).isEqualTo(201);
      String consentId = consent.json().path("consentId").asString();
      GatewayClient.Response first =
          a.post(
              "county-hhs",
              "/api/v1/referrals",
              Requests.referral(consentId, clientId),
              "Idempotency-Key",
              "before-" + clientId);
      assertThat(first.status()).as(first.body()).isEqualTo(202);

      registry.close();
      registry = null;

      // (a) The warm gateway: cached schemas keep working, and it stays ready.
      GatewayClient.Response during =
          a.post(
              "county-hhs",
              "/api/v1/referrals",
              Requests.referral(consentId, clientId),
              "Idempotency-Key",
              "during-" + clientId);
      assertThat(during.status()).as(during.body()).isEqualTo(202);
      String duringId = during.json().path("referralId").asString();
      assertThat(a.get(null, "/actuator/health/readiness").status()).isEqualTo(200);

      // (b) and (c) A gateway started now has nothing cached: not ready, and refuses to record.
      long consentsBefore = records(Topics.CONSENT_EVENTS.name());
      cold = gateway(port);
      GatewayClient b = client(cold);
      String otherClient = "client-" + UUID.randomUUID();
      GatewayClient.Response refused =
          b.post("county-hhs", "/api/v1/consents", Requests.consent(otherClient));
      assertThat(refused.status()).as(refused.body()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isNotBlank();
      // Nothing decodes without the registry, so the provider directory is not read yet either.
      assertThat(refused.json().path("type").asString())
          .isIn("/problems/schema-unavailable", "/problems/directory-not-read");
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(() -> b.get(null, "/actuator/health/readiness").status() == 503);
      assertThat(records(Topics.CONSENT_EVENTS.name()))
          .as("nothing published for the refused consent")
          .isEqualTo(consentsBefore);

      registry = registry(port);
      long backAt = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> b.get(null, "/actuator/health/readiness").status() == 200);
      System.out.printf(
          "[registry-down] cold gateway ready %.1f s after the registry was back%n",
          (System.nanoTime() - backAt) / 1e9);
      assertThat(b.get("county-hhs", "/api/v1/referrals/" + duringId).status())
          .as("the cold gateway caught up with what was recorded during the outage")
          .isEqualTo(200);
      assertThat(b.post("county-hhs", "/api/v1/consents", Requests.consent(otherClient)).status())
          .isEqualTo(201);
      assertThat(
              TestInfrastructure.readAll(Topics.REFERRAL_SUBMITTED.deadLetterTopic()).stream()
                  .filter(r -> duringId.equals(r.key())))
          .isEmpty();
    } finally {
      if (cold != null) {
        cold.close();
      }
      if (warm != null) {
        warm.close();
      }
      if (registry != null) {
        registry.close();
      }
    }
  }
}
