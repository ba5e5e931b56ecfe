package org.referralexchange.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.registry.RegistryInstance.schemaBody;

import org.junit.jupiter.api.Test;
import org.referralexchange.registry.RegistryInstance.Response;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** With its broker gone, the registry still answers reads and refuses writes as Confluent does. */
class BrokerOutageTests {

  @Test
  void whenTheBrokerIsGoneWritesAnswer50002AndReadsAreStillServed() {
    EmbeddedKafkaKraftBroker ownBroker = new EmbeddedKafkaKraftBroker(1, 1);
    ownBroker.afterPropertiesSet();
    RegistryInstance registry;
    int id;
    try {
      registry =
          RegistryInstance.start(
              RegistryInstance.freshTopic(),
              "registry.kafka.bootstrap-servers=" + ownBroker.getBrokersAsString(),
              "registry.write-timeout=2s");
      id = registry.register("before-outage-value", Schemas.payment());
    } finally {
      ownBroker.destroy();
    }

    try (registry) {
      Response write =
          registry.post(
              "/subjects/during-outage-value/versions",
              schemaBody(Schemas.paymentWithOptionalCurrency()));

      assertThat(write.status()).isEqualTo(500);
      assertThat(write.errorCode()).isEqualTo(50002);
      assertThat(write.message()).contains("within PT2S");
      assertThat(write.body()).doesNotContain("\tat ");
      assertThat(registry.get("/schemas/ids/" + id).status()).isEqualTo(200);
      assertThat(registry.get("/subjects").body()).isEqualTo("[\"before-outage-value\"]");
    }
  }
}
