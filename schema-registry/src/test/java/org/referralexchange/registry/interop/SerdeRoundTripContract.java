package org.referralexchange.registry.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.TopicSchemaRegistration;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerdeException;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.serde.WireFormat;

/**
 * What the serializers promise, checked through a real broker and a real registry. Subclasses say
 * which: the stand-in registry with an in-process KRaft broker, or Confluent's registry and Kafka
 * in containers where a Docker engine exists.
 */
abstract class SerdeRoundTripContract {

  abstract String bootstrapServers();

  abstract String registryUrl();

  @Test
  void specificRecordCrossesBrokerInConfluentWireFormat() {
    String topic = "roundtrip-" + UUID.randomUUID();
    ReferralSubmitted sent = SampleEvents.referralSubmitted("ref-1");

    produce(topic, sent.getReferralId(), sent, Map.of());

    byte[] raw = consumeOne(topic, new ByteArrayDeserializer());
    int registeredId = client().latest(topic + "-value").id();
    assertThat(raw[0]).isEqualTo(WireFormat.MAGIC_BYTE);
    assertThat(WireFormat.schemaId(raw)).isEqualTo(registeredId);

    ReferralSubmitted received = consumeOne(topic, specificDeserializer());
    assertThat(received).isEqualTo(sent);
  }

  @Test
  void genericReaderGetsFieldsWithoutGeneratedClasses() {
    String topic = "generic-" + UUID.randomUUID();
    ReferralStatusChanged sent = SampleEvents.completed("ref-2");
    produce(topic, sent.getReferralId(), sent, Map.of());

    AvroDeserializer<GenericRecord> generic = new AvroDeserializer<>();
    generic.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl()), false);
    GenericRecord received = consumeOne(topic, generic);

    assertThat(received).isNotInstanceOf(ReferralStatusChanged.class);
    assertThat(received.get("referralId").toString()).isEqualTo("ref-2");
    assertThat(received.get("status").toString()).isEqualTo("COMPLETED");
    GenericRecord outcome = (GenericRecord) received.get("outcome");
    assertThat(((GenericRecord) outcome.get("cost")).get("currency").toString()).isEqualTo("USD");
  }

  @Test
  void keySerializerRegistersUnderKeySubject() {
    String topic = "keyed-" + UUID.randomUUID();
    AvroSerializer<ReferralStatusChanged> keySerializer = new AvroSerializer<>();
    keySerializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl()), true);

    byte[] framed = keySerializer.serialize(topic, SampleEvents.completed("ref-3"));

    assertThat(WireFormat.schemaId(framed)).isEqualTo(client().latest(topic + "-key").id());
  }

  @Test
  void sameSchemaGetsSameIdAcrossSerializers() {
    String topic = "same-id-" + UUID.randomUUID();
    byte[] first = newSerializer(Map.of()).serialize(topic, SampleEvents.completed("a"));
    byte[] second = newSerializer(Map.of()).serialize(topic, SampleEvents.completed("b"));

    assertThat(WireFormat.schemaId(first)).isEqualTo(WireFormat.schemaId(second));
    assertThat(client().latest(topic + "-value").version()).isEqualTo(1);
  }

  @Test
  void unionTopicCarriesBothConsentEventsWithLatestVersion() {
    TopicSchemaRegistration.registerAll(client());
    String topic = Topics.CONSENT_EVENTS.name();
    Map<String, Object> latest =
        Map.of(SerdeConfig.AUTO_REGISTER_SCHEMAS, false, SerdeConfig.USE_LATEST_VERSION, true);
    ConsentRecorded recorded = SampleEvents.consentRecorded("consent-9");
    ConsentRevoked revoked =
        ConsentRevoked.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(recorded.getOccurredAt().plusSeconds(3600))
            .setConsent(recorded.getConsent())
            .setRevokedAt(recorded.getOccurredAt().plusSeconds(3000))
            .setRevokedBy(recorded.getRecordedBy())
            .build();

    produce(topic, "consent-9", recorded, latest);
    produce(topic, "consent-9", revoked, latest);

    List<Object> received = consumeAll(topic, 2, specificDeserializer());
    assertThat(received).containsExactly(recorded, revoked);
  }

  @Test
  void lookupWithoutAutoRegisterRefusesUnknownSchemaClearly() {
    String topic = "unregistered-" + UUID.randomUUID();
    AvroSerializer<Object> serializer =
        newSerializer(Map.of(SerdeConfig.AUTO_REGISTER_SCHEMAS, false));

    assertThatThrownBy(() -> serializer.serialize(topic, SampleEvents.completed("x")))
        .isInstanceOf(AvroSerdeException.RegistryRefused.class)
        .hasMessageContaining(topic + "-value")
        .satisfies(
            e -> assertThat(((AvroSerdeException.RegistryRefused) e).status()).isEqualTo(404));
  }

  @Test
  void incompatibleSchemaIsRefusedByTheRegistry() {
    String topic = "evolving-" + UUID.randomUUID();
    Schema v1 = probeSchema("{\"name\":\"note\",\"type\":\"string\"}");
    Schema v2 =
        probeSchema(
            "{\"name\":\"note\",\"type\":\"string\"},{\"name\":\"count\",\"type\":\"int\"}");
    AvroSerializer<Object> serializer = newSerializer(Map.of());
    serializer.serialize(topic, probe(v1));

    assertThatThrownBy(() -> serializer.serialize(topic, probe(v2)))
        .isInstanceOf(AvroSerdeException.RegistryRefused.class)
        .satisfies(
            e -> assertThat(((AvroSerdeException.RegistryRefused) e).status()).isEqualTo(409));
  }

  @Test
  void unknownSchemaIdIsATypedSerializationException() {
    byte[] framed = new byte[] {0, 0x7f, 0, 0, 1, 2, 'x'};
    AvroDeserializer<Object> deserializer = specificDeserializer();

    assertThatThrownBy(() -> deserializer.deserialize("any", framed))
        .isInstanceOf(AvroSerdeException.UnknownSchemaId.class)
        .satisfies(
            e ->
                assertThat(((AvroSerdeException.UnknownSchemaId) e).schemaId())
                    .isEqualTo(0x7f000001));
  }

  @Test
  void truncatedPayloadIsATypedSerializationException() {
    String topic = "truncated-" + UUID.randomUUID();
    byte[] framed = newSerializer(Map.of()).serialize(topic, SampleEvents.referralSubmitted("r"));
    byte[] truncated = java.util.Arrays.copyOf(framed, framed.length / 2);

    assertThatThrownBy(() -> specificDeserializer().deserialize(topic, truncated))
        .isInstanceOf(AvroSerdeException.MalformedPayload.class)
        .hasMessageContaining("truncated or corrupt");
  }

  @Test
  void failedWriteLeavesNothingBehindForTheNextRecord() {
    String topic = "half-written-" + UUID.randomUUID();
    Schema schema =
        probeSchema(
            "{\"name\":\"note\",\"type\":\"string\"},{\"name\":\"count\",\"type\":\"int\"}");
    AvroSerializer<Object> serializer = newSerializer(Map.of());
    GenericRecord broken = new GenericData.Record(schema);
    broken.put("note", "x".repeat(100));
    broken.put("count", null);

    assertThatThrownBy(() -> serializer.serialize(topic, broken))
        .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class);

    GenericRecord fine = probe(schema);
    AvroDeserializer<GenericRecord> generic = new AvroDeserializer<>();
    generic.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl()), false);
    assertThat(generic.deserialize(topic, serializer.serialize(topic, fine))).isEqualTo(fine);
  }

  // --- helpers -----------------------------------------------------------------------------

  SchemaRegistryClient client() {
    return new SchemaRegistryClient(
        SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl())));
  }

  AvroSerializer<Object> newSerializer(Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(extra);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl());
    AvroSerializer<Object> serializer = new AvroSerializer<>();
    serializer.configure(config, false);
    return serializer;
  }

  <T> AvroDeserializer<T> specificDeserializer() {
    AvroDeserializer<T> deserializer = new AvroDeserializer<>();
    deserializer.configure(
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl(), SerdeConfig.SPECIFIC_AVRO_READER, true),
        false);
    return deserializer;
  }

  void produce(String topic, String key, Object value, Map<String, Object> serdeConfig) {
    Map<String, Object> config = new HashMap<>(serdeConfig);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl());
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(config)) {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    } catch (Exception e) {
      throw new AssertionError("send to " + topic + " failed", e);
    }
  }

  <V> V consumeOne(String topic, Deserializer<V> deserializer) {
    return consumeAll(topic, 1, deserializer).get(0);
  }

  <V> List<V> consumeAll(String topic, int expected, Deserializer<V> deserializer) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<V> values = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), deserializer)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
    }
    assertThat(values).as("records read from " + topic).hasSize(expected);
    return values;
  }

  static Schema probeSchema(String fields) {
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"Probe\",\"namespace\":\"org.referralexchange.test\","
                + "\"fields\":["
                + fields
                + "]}");
  }

  static GenericRecord probe(Schema schema) {
    GenericData.Record record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      record.put(field.name(), field.schema().getType() == Schema.Type.INT ? 1 : "n");
    }
    return record;
  }
}
