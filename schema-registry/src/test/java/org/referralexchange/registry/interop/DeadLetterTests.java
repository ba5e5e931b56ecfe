package org.referralexchange.registry.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerdeException;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.serde.WireFormat;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Bad bytes on a topic become dead-letter records with the original bytes and the reason in their
 * headers, and the partition moves on: Spring Kafka's ErrorHandlingDeserializer around our
 * deserializer, with a DefaultErrorHandler and DeadLetterPublishingRecoverer, on a real broker.
 */
@EmbeddedKafka(partitions = 1)
class DeadLetterTests {

  private static final String TOPIC = Topics.REFERRAL_SUBMITTED.name();
  private static final String DLT = Topics.REFERRAL_SUBMITTED.deadLetterTopic();

  private static String bootstrap;
  private static StandInRegistry registry;

  @BeforeAll
  static void start(EmbeddedKafkaBroker broker) {
    bootstrap = broker.getBrokersAsString();
    registry = StandInRegistry.start(bootstrap);
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void poisonRecordsAreDeadLetteredWithReasonAndThePartitionMovesOn() {
    AvroSerializer<Object> serializer = new AvroSerializer<>();
    serializer.configure(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url()), false);
    ReferralSubmitted good = SampleEvents.referralSubmitted("good-1");
    byte[] valid = serializer.serialize(TOPIC, good);
    byte[] badMagic = valid.clone();
    badMagic[0] = 7;
    byte[] unknownId = valid.clone();
    unknownId[1] = 0x7f;
    byte[] truncated = Arrays.copyOf(valid, 40);

    KafkaTemplate<String, byte[]> raw = rawTemplate();
    raw.send(TOPIC, "bad-magic", badMagic).join();
    raw.send(TOPIC, "unknown-id", unknownId).join();
    raw.send(TOPIC, "truncated", truncated).join();
    raw.send(TOPIC, "good-1", valid).join();

    List<Object> delivered = new CopyOnWriteArrayList<>();
    ConcurrentMessageListenerContainer<String, Object> container = listener(delivered, raw);
    container.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> delivered.size() == 1);
      assertThat(delivered).containsExactly(good);

      List<ConsumerRecord<String, byte[]>> dead = readDeadLetters(3);
      assertThat(dead)
          .extracting(ConsumerRecord::key)
          .containsExactly("bad-magic", "unknown-id", "truncated");
      assertThat(dead.get(0).value()).isEqualTo(badMagic);
      assertThat(dead.get(1).value()).isEqualTo(unknownId);
      assertThat(dead.get(2).value()).isEqualTo(truncated);
      // Spring Kafka wraps the cause in a DeserializationException; the typed reason is in the
      // stack-trace header, and our messages carry no payload content.
      assertThat(header(dead.get(0), "kafka_dlt-exception-fqcn"))
          .isEqualTo(DeserializationException.class.getName());
      assertThat(header(dead.get(0), "kafka_dlt-exception-stacktrace"))
          .contains(
              "Caused by: "
                  + AvroSerdeException.MalformedPayload.class.getName()
                  + ": Unknown magic byte 0x07");
      assertThat(header(dead.get(1), "kafka_dlt-exception-stacktrace"))
          .contains("Caused by: " + AvroSerdeException.UnknownSchemaId.class.getName())
          .contains("Unknown schema id " + WireFormat.schemaId(unknownId));
      assertThat(header(dead.get(2), "kafka_dlt-exception-stacktrace"))
          .contains("Caused by: " + AvroSerdeException.MalformedPayload.class.getName())
          .contains("truncated or corrupt");
      assertThat(header(dead.get(2), "kafka_dlt-original-topic")).isEqualTo(TOPIC);
    } finally {
      container.stop();
    }
  }

  private ConcurrentMessageListenerContainer<String, Object> listener(
      List<Object> delivered, KafkaTemplate<String, byte[]> template) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "dead-letter-test");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ErrorHandlingDeserializer.class);
    config.put(ErrorHandlingDeserializer.VALUE_DESERIALIZER_CLASS, AvroDeserializer.class);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
    config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
    ContainerProperties properties = new ContainerProperties(TOPIC);
    properties.setMessageListener((MessageListener<String, Object>) r -> delivered.add(r.value()));
    ConcurrentMessageListenerContainer<String, Object> container =
        new ConcurrentMessageListenerContainer<>(
            new DefaultKafkaConsumerFactory<>(config), properties);
    @SuppressWarnings({"unchecked", "rawtypes"})
    DeadLetterPublishingRecoverer recoverer =
        new DeadLetterPublishingRecoverer(
            (KafkaTemplate) template,
            (record, exception) ->
                new org.apache.kafka.common.TopicPartition(
                    record.topic() + Topics.DEAD_LETTER_SUFFIX, record.partition()));
    container.setCommonErrorHandler(new DefaultErrorHandler(recoverer, new FixedBackOff(0, 0)));
    return container;
  }

  private KafkaTemplate<String, byte[]> rawTemplate() {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(config));
  }

  private List<ConsumerRecord<String, byte[]>> readDeadLetters(int expected) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "dlt-reader");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(DLT));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
              });
    }
    assertThat(records).hasSize(expected);
    return records;
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
