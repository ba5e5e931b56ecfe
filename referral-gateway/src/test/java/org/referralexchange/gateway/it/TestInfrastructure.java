package org.referralexchange.gateway.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.referralexchange.envelope.EnvelopeKeys;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The real parts the gateway's integration tests run against, one of each per test JVM: an
 * in-process KRaft broker, the stand-in schema registry on a real port, and a fresh keyset.
 */
public final class TestInfrastructure {

  public static final String KEYSET = EnvelopeKeys.generateKeysetJson();

  private static EmbeddedKafkaKraftBroker broker;
  private static ConfigurableApplicationContext registry;

  private TestInfrastructure() {}

  public static synchronized String bootstrapServers() {
    if (broker == null) {
      broker = new EmbeddedKafkaKraftBroker(1, 1);
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

  /** Points a gateway under test at the shared broker, registry and keyset. */
  public static void register(DynamicPropertyRegistry properties) {
    properties.add("spring.kafka.bootstrap-servers", TestInfrastructure::bootstrapServers);
    properties.add("spring.kafka.properties.schema.registry.url", TestInfrastructure::registryUrl);
    properties.add("gateway.encryption.keyset-json", () -> KEYSET);
  }

  /** The arguments that start another gateway instance on the same parts. */
  public static String[] gatewayArguments(String... more) {
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--spring.kafka.bootstrap-servers=" + bootstrapServers());
    args.add("--spring.kafka.properties.schema.registry.url=" + registryUrl());
    args.add("--gateway.encryption.keyset-json=" + KEYSET);
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  /** Every record on a topic so far, as raw bytes. */
  public static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "raw-" + UUID.randomUUID());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
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
