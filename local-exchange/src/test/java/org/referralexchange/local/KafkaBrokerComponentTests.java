package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the broker as a real child process from target/kafka-libs, as the launcher does. */
class KafkaBrokerComponentTests {

  private static final String TOPIC = "local-exchange.smoke";

  @TempDir Path dataDir;

  private KafkaBrokerComponent broker;

  @AfterEach
  void stopBroker() {
    if (broker != null) {
      broker.stop();
    }
  }

  @Test
  void keepsRecordsAndClusterIdAcrossARestartOnTheSameDataFolder() throws Exception {
    broker = new KafkaBrokerComponent(settings(FreePorts.next(), FreePorts.next()));

    broker.start();
    String firstClusterId = broker.clusterId();
    createTopic();
    RecordMetadata sent = produce("referral-1", "submitted");
    assertThat(sent.offset()).isZero();
    assertThat(consumeFromBeginning()).containsExactly("referral-1=submitted");
    ProcessHandle firstBroker = broker.process().orElseThrow();

    broker.stop();

    assertThat(firstBroker.isAlive()).as("broker process alive after stop").isFalse();
    assertThat(ProcessHandle.of(firstBroker.pid()).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(broker.process()).isEmpty();
    assertThat(dataDir.resolve("kraft-logs/meta.properties")).exists();

    broker.start();

    assertThat(broker.clusterId()).isEqualTo(firstClusterId);
    assertThat(broker.process().orElseThrow().pid()).isNotEqualTo(firstBroker.pid());
    assertThat(consumeFromBeginning()).containsExactly("referral-1=submitted");
  }

  @Test
  void stopDuringStartUpLeavesNoBrokerBehind() throws Exception {
    broker = new KafkaBrokerComponent(settings(FreePorts.next(), FreePorts.next()));
    CompletableFuture<Void> starting =
        CompletableFuture.runAsync(
            () -> {
              try {
                broker.start();
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });
    ProcessHandle launched =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> broker.process(), Optional::isPresent)
            .get();

    broker.stop();

    // The broker needs seconds to open its port; stop() came within ~100 ms of the launch.
    await().atMost(Duration.ofSeconds(30)).until(starting::isDone);
    assertThat(starting).isCompletedExceptionally();
    assertThat(launched.isAlive()).isFalse();
    assertThat(broker.process()).isEmpty();
  }

  @Test
  void refusesToStartWhenItsPortIsTakenAndSaysWhichPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      broker = new KafkaBrokerComponent(settings(taken.getLocalPort(), FreePorts.next()));

      assertThatThrownBy(broker::start)
          .isInstanceOf(LocalStartupException.class)
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("already in use");
      assertThat(broker.process()).isEmpty();
    }
  }

  @Test
  void namesTheLogFileWhenTheBrokerCannotStart() {
    // One port for both listeners: Kafka rejects the configuration and exits.
    int port = FreePorts.next();
    broker = new KafkaBrokerComponent(settings(port, port));

    assertThatThrownBy(broker::start)
        .isInstanceOf(LocalStartupException.class)
        .hasMessageContaining(broker.logFile().toString());
    assertThat(broker.logFile()).isNotEmptyFile();
    assertThat(broker.process()).isEmpty();
  }

  @Test
  void refusesToStartWithoutBrokerJarsAndSaysWhereItLooked() throws Exception {
    Path empty = Files.createDirectories(dataDir.resolve("no-libs"));
    broker =
        new KafkaBrokerComponent(
            new KafkaBrokerComponent.Settings(
                dataDir, empty, FreePorts.next(), FreePorts.next(), Duration.ofSeconds(5)));

    assertThatThrownBy(broker::start)
        .isInstanceOf(LocalStartupException.class)
        .hasMessageContaining(empty.toString());
  }

  private KafkaBrokerComponent.Settings settings(int port, int controllerPort) {
    return new KafkaBrokerComponent.Settings(
        dataDir,
        LocalSettings.kafkaLibsBesideLauncher(),
        port,
        controllerPort,
        Duration.ofSeconds(60));
  }

  private void createTopic() throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
    }
  }

  private RecordMetadata produce(String key, String value) throws Exception {
    Map<String, Object> config =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      return producer.send(new ProducerRecord<>(TOPIC, key, value)).get();
    }
  }

  /** Reads the topic from the start with a fresh consumer group, as "key=value". */
  private List<String> consumeFromBeginning() {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "smoke-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest");
    List<String> seen = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(TOPIC));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInSameThread()
          .untilAsserted(
              () -> {
                for (ConsumerRecord<String, String> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  seen.add(record.key() + "=" + record.value());
                }
                assertThat(seen).isNotEmpty();
              });
    }
    return seen;
  }
}
