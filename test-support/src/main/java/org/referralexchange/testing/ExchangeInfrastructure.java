package org.referralexchange.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.referralexchange.envelope.EnvelopeKeys;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * One real KRaft broker, the stand-in schema registry on a real port, and a fresh Tink keyset, each
 * started once per test JVM on first use and stopped when it exits.
 */
public final class ExchangeInfrastructure {

  /** The keyset every service under test seals and opens client data with. */
  public static final String KEYSET = EnvelopeKeys.generateKeysetJson();

  private static EmbeddedKafkaKraftBroker broker;
  private static ConfigurableApplicationContext registry;

  // One client of each kind for the JVM's broker, made at first use and left to end with the JVM
  // (every send was awaited; the producers' threads are daemons): a client per helper call cost a
  // connection, a metadata round trip and a configuration dump in the log each.
  private static KafkaProducer<String, SpecificRecord> eventProducer;
  private static KafkaProducer<String, byte[]> rawProducer;
  private static KafkaConsumer<String, byte[]> reader;

  private ExchangeInfrastructure() {}

  public static synchronized String bootstrapServers() {
    if (broker == null) {
      broker = new EmbeddedKafkaKraftBroker(1, 1);
      // Transactions (Kafka Streams' exactly_once_v2) on a one-broker cluster. The group and
      // transaction coordinators' topics get 4 partitions instead of 50 each: the first consumer
      // group and the first transactional producer of the JVM each waited seconds for 50 logs to
      // be created and loaded, and nothing depends on their count (a coordinator is found by the
      // hash of the group or transactional id).
      broker.brokerProperties(
          Map.of(
              "transaction.state.log.replication.factor", "1",
              "transaction.state.log.min.isr", "1",
              "transaction.state.log.num.partitions", "4",
              "offsets.topic.num.partitions", "4"));
      broker.afterPropertiesSet();
      Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "test-broker-shutdown"));
    }
    return broker.getBrokersAsString();
  }

  public static synchronized String registryUrl() {
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

  /**
   * Creates every topic of {@link Topics#ALL} and its dead-letter topic (those that exist are left
   * as they are) and registers each value schema, as a service's startup would; for tests that run
   * without a service.
   */
  public static synchronized void createExchangeTopics() {
    List<NewTopic> topics = new ArrayList<>();
    for (TopicSpec spec : Topics.ALL) {
      topics.add(new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(spec.config()));
      topics.add(new NewTopic(spec.deadLetterTopic(), spec.partitions(), (short) 1));
    }
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      for (var created : admin.createTopics(topics).values().values()) {
        try {
          created.get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("could not create the exchange topics", e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
    // Set-up, not a test of the registry: 30 s a request instead of the client's 5 s, which a
    // module's first registrations missed on a box loaded by parallel builds.
    SchemaRegistryClient registry =
        new SchemaRegistryClient(
            SerdeConfig.from(
                Map.of(
                    SerdeConfig.SCHEMA_REGISTRY_URL,
                    registryUrl(),
                    SerdeConfig.REQUEST_TIMEOUT_MS,
                    30_000)));
    for (TopicSpec spec : Topics.ALL) {
      registry.register(spec.valueSubject(), spec.valueSchema());
    }
  }

  /** Publishes an event as a service would, with the topic's registered schema. */
  public static void publish(TopicSpec topic, String key, SpecificRecord event) {
    try {
      eventProducer().send(new ProducerRecord<>(topic.name(), key, event)).get();
    } catch (Exception e) {
      throw new IllegalStateException("publish to " + topic.name() + " failed", e);
    }
  }

  private static synchronized KafkaProducer<String, SpecificRecord> eventProducer() {
    if (eventProducer == null) {
      eventProducer = eventProducer(bootstrapServers());
    }
    return eventProducer;
  }

  private static KafkaProducer<String, SpecificRecord> eventProducer(String bootstrapServers) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl());
    config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
    config.put(SerdeConfig.USE_LATEST_VERSION, true);
    AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
    values.configure(config, false);
    return new KafkaProducer<>(config, new StringSerializer(), values);
  }

  /**
   * The same, to another broker (whose topic exists and schema is registered), with a client of its
   * own: that broker may not outlive the call's test.
   */
  public static void publish(
      String bootstrapServers, TopicSpec topic, String key, SpecificRecord event) {
    if (bootstrapServers.equals(bootstrapServers())) {
      publish(topic, key, event);
      return;
    }
    try (KafkaProducer<String, SpecificRecord> producer = eventProducer(bootstrapServers)) {
      producer.send(new ProducerRecord<>(topic.name(), key, event)).get();
    } catch (Exception e) {
      throw new IllegalStateException("publish to " + topic.name() + " failed", e);
    }
  }

  /** Publishes bytes as they are: poison for the tests that need it. */
  public static void publishRaw(String topic, String key, byte[] value) {
    try {
      rawProducer().send(new ProducerRecord<>(topic, key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException("publish to " + topic + " failed", e);
    }
  }

  private static synchronized KafkaProducer<String, byte[]> rawProducer() {
    if (rawProducer == null) {
      rawProducer =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer());
    }
    return rawProducer;
  }

  /** Every decoded event on a topic for one key so far. */
  public static List<SpecificRecord> events(String topic, String key) {
    Map<String, Object> config = new HashMap<>();
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl());
    config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(config, false);
    List<SpecificRecord> found = new ArrayList<>();
    for (ConsumerRecord<String, SpecificRecord> record : read(topic, values)) {
      if (key.equals(record.key())) {
        found.add(record.value());
      }
    }
    return found;
  }

  /** Every record on a topic so far, as raw bytes. */
  public static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    return read(topic, new ByteArrayDeserializer());
  }

  /**
   * Every record on a topic so far, from the beginning to where it ended when asked.
   *
   * <p>One reader for the JVM (a consumer is not thread-safe: callers take turns) reads the raw
   * bytes; {@code values} decodes them, with the record's headers, as a consumer of its own would.
   *
   * @throws IllegalStateException if the end was not reached within 30 seconds
   */
  public static synchronized <V> List<ConsumerRecord<String, V>> read(
      String topic, Deserializer<V> values) {
    KafkaConsumer<String, byte[]> consumer = reader();
    List<ConsumerRecord<String, V>> records = new ArrayList<>();
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    try {
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      // Fails rather than answer a partial read: "nothing more was published" must mean the
      // topic was read to its end, not that nothing arrived in time.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Could not read " + topic + " to its end offsets " + end + " within 30 s");
        }
        for (ConsumerRecord<String, byte[]> raw : consumer.poll(Duration.ofMillis(200))) {
          records.add(decoded(raw, values.deserialize(raw.topic(), raw.headers(), raw.value())));
        }
      }
    } finally {
      consumer.unsubscribe();
    }
    return records;
  }

  /**
   * Where each partition of these topics ends now: with a service's own view of what it applied, a
   * test can wait until the service has seen everything published so far instead of waiting a fixed
   * time.
   */
  public static synchronized Map<TopicPartition, Long> endOffsets(Collection<String> topics) {
    KafkaConsumer<String, byte[]> consumer = reader();
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition()))
          .forEach(partitions::add);
    }
    return Map.copyOf(consumer.endOffsets(partitions, Duration.ofSeconds(10)));
  }

  private static <V> ConsumerRecord<String, V> decoded(
      ConsumerRecord<String, byte[]> raw, V value) {
    return new ConsumerRecord<>(
        raw.topic(),
        raw.partition(),
        raw.offset(),
        raw.timestamp(),
        raw.timestampType(),
        raw.serializedKeySize(),
        raw.serializedValueSize(),
        raw.key(),
        value,
        raw.headers(),
        raw.leaderEpoch());
  }

  private static synchronized KafkaConsumer<String, byte[]> reader() {
    if (reader == null) {
      Map<String, Object> config = new HashMap<>();
      config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      reader = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }
    return reader;
  }
}
