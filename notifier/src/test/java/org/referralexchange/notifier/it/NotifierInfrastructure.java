package org.referralexchange.notifier.it;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * One real broker, the stand-in registry and a real SMTP server (GreenMail) per test JVM. The SMTP
 * port is fixed for the JVM so the server can be stopped and started again on it (an outage).
 */
final class NotifierInfrastructure {

  private static EmbeddedKafkaKraftBroker broker;
  private static ConfigurableApplicationContext registry;
  private static final int SMTP_PORT = freePort();
  private static final List<GreenMail> MAIL_SERVERS = new CopyOnWriteArrayList<>();
  private static volatile GreenMail mail;

  private NotifierInfrastructure() {}

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

  static int smtpPort() {
    return SMTP_PORT;
  }

  /** Starts the SMTP server (again) on the JVM's SMTP port. */
  static synchronized void startMail() {
    if (mail == null || !mail.isRunning()) {
      mail = new GreenMail(new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
      mail.start();
      MAIL_SERVERS.add(mail);
    }
  }

  /** Stops the SMTP server: connections are refused until {@link #startMail()}. */
  static synchronized void stopMail() {
    if (mail != null) {
      mail.stop();
    }
  }

  /** Every email any of this JVM's SMTP servers received for {@code address}. */
  static List<MimeMessage> mailTo(String address) {
    List<MimeMessage> found = new ArrayList<>();
    for (GreenMail server : MAIL_SERVERS) {
      for (MimeMessage message : server.getReceivedMessages()) {
        try {
          if (Arrays.stream(message.getAllRecipients())
              .anyMatch(a -> a.toString().equalsIgnoreCase(address))) {
            found.add(message);
          }
        } catch (jakarta.mail.MessagingException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return found;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Publishes events as the gateway and adapter would, with each topic's registered schema. */
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

  /** Every record on a topic for one key so far, decoded. */
  static List<ConsumerRecord<String, SpecificRecord>> records(String topic, String key) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl());
    config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(config, false);
    List<ConsumerRecord<String, SpecificRecord>> found = new ArrayList<>();
    for (ConsumerRecord<String, SpecificRecord> record : read(topic, config, values)) {
      if (key.equals(record.key())) {
        found.add(record);
      }
    }
    return found;
  }

  static List<SpecificRecord> events(String topic, String key) {
    return records(topic, key).stream().map(ConsumerRecord::value).toList();
  }

  private static <V> List<ConsumerRecord<String, V>> read(
      String topic, Map<String, Object> config, Deserializer<V> values) {
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
