package org.referralexchange.registry.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerdeException;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/** What the serializers do when the registry goes away: cached schemas keep working. */
@EmbeddedKafka(partitions = 1)
class RegistryOutageTests {

  private StandInRegistry registry;
  private AvroSerializer<Object> serializer;
  private AvroDeserializer<Object> deserializer;
  private AvroDeserializer<Object> coldDeserializer;

  @BeforeEach
  void start(EmbeddedKafkaBroker broker) {
    registry = StandInRegistry.start(broker.getBrokersAsString());
    Map<String, Object> config =
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL,
            registry.url(),
            SerdeConfig.SPECIFIC_AVRO_READER,
            true,
            SerdeConfig.REQUEST_TIMEOUT_MS,
            2000);
    serializer = new AvroSerializer<>();
    serializer.configure(config, false);
    deserializer = new AvroDeserializer<>();
    deserializer.configure(config, false);
    coldDeserializer = new AvroDeserializer<>();
    coldDeserializer.configure(config, false);
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  @Test
  void cachedSchemasKeepWorkingWhileRegistryIsDown() {
    ReferralSubmitted before = SampleEvents.referralSubmitted("before");
    deserializer.deserialize("t", serializer.serialize("t", before));

    registry.close();

    ReferralSubmitted during = SampleEvents.referralSubmitted("during");
    Object roundTripped = deserializer.deserialize("t", serializer.serialize("t", during));
    assertThat(roundTripped).isEqualTo(during);
  }

  @Test
  void newSchemaFailsClearlyAndTransientlyWhileRegistryIsDown() {
    registry.close();
    Schema probe = SerdeRoundTripContract.probeSchema("{\"name\":\"note\",\"type\":\"string\"}");

    assertThatThrownBy(() -> serializer.serialize("t", SerdeRoundTripContract.probe(probe)))
        .isInstanceOf(AvroSerdeException.RegistryUnavailable.class)
        .hasMessageContaining("unreachable")
        .hasMessageContaining(registry.url())
        .satisfies(e -> assertThat(((AvroSerdeException) e).isTransient()).isTrue());
  }

  /** A consumer that has not seen the id yet must retry, not dead-letter a good record. */
  @Test
  void coldDeserializerReportsTransientFailureNotBadRecord() {
    byte[] framed = serializer.serialize("t", SampleEvents.referralSubmitted("cold"));
    registry.close();

    assertThatThrownBy(() -> coldDeserializer.deserialize("t", framed))
        .isInstanceOf(AvroSerdeException.RegistryUnavailable.class)
        .satisfies(e -> assertThat(((AvroSerdeException) e).isTransient()).isTrue());
  }
}
