package org.referralexchange.adapter.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.referralexchange.envelope.EnvelopeKeys;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** One real broker, the stand-in registry and a keyset per test JVM; events in and out. */
final class AdapterInfrastructure {

  static final String KEYSET = EnvelopeKeys.generateKeysetJson();

  private static EmbeddedKafkaKraftBroker broker;
  private static ConfigurableApplicationContext registry;

  private AdapterInfrastructure() {}

  static synchronized String bootstrapServers() {
    if (broker == null) {
      broker = new EmbeddedKafkaKraftBroker(1, 1);
      broker.afterPropertiesSet();
      Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "test-broker-shutdown"));
    }
    return broker.getBrokersAsString();
  }

  static synchronized String registryUrl() {
    if (registry == null) {
      registry =
          SchemaRegistryApplication.builder()
              .run(
                  "--server.port=0",
                  "--server.address=127.0.0.1",
                  "--registry.kafka.bootstrap-servers=" + bootstrapServers(),
                  "--spring.main.banner-mode=off");
    }
    return "http://127.0.0.1:" + registry.getEnvironment().getProperty("local.server.port");
  }

  /** Publishes events as the gateway would, with each topic's registered schema. */
  static void publish(TopicSpec topic, String key, SpecificRecord event) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl());
    config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
    config.put(SerdeConfig.USE_LATEST_VERSION, true);
    AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
    values.configure(config, false);
    try (KafkaProducer<String, SpecificRecord> producer =
        new KafkaProducer<>(config, new StringSerializer(), values)) {
      producer.send(new ProducerRecord<>(topic.name(), key, event)).get();
    } catch (Exception e) {
      throw new IllegalStateException("publish to " + topic.name() + " failed", e);
    }
  }

  /** Publishes bytes as they are: poison for the tests that need it. */
  static void publishRaw(String topic, String key, byte[] value) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            config,
            new StringSerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException("publish to " + topic + " failed", e);
    }
  }

  /** Every event on a topic for one key so far, decoded. */
  static List<SpecificRecord> events(String topic, String key) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl());
    config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(config, false);
    List<SpecificRecord> found = new ArrayList<>();
    for (ConsumerRecord<String, SpecificRecord> record : read(topic, config, values)) {
      if (key.equals(record.key())) {
        found.add(record.value());
      }
    }
    return found;
  }

  static <V> List<ConsumerRecord<String, V>> read(
      String topic,
      Map<String, Object> config,
      org.apache.kafka.common.serialization.Deserializer<V> values) {
    List<ConsumerRecord<String, V>> records = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), values)) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
          && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }
}
