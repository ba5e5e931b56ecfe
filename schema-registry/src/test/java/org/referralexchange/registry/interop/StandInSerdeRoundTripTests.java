package org.referralexchange.registry.interop;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/** The serializer contract against the stand-in registry and an in-process KRaft broker. */
@EmbeddedKafka(partitions = 1)
class StandInSerdeRoundTripTests extends SerdeRoundTripContract {

  private static String bootstrapServers;
  private static StandInRegistry registry;

  @BeforeAll
  static void start(EmbeddedKafkaBroker broker) {
    bootstrapServers = broker.getBrokersAsString();
    registry = StandInRegistry.start(bootstrapServers);
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Override
  String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  String registryUrl() {
    return registry.url();
  }
}
