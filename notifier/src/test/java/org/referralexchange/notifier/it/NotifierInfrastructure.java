package org.referralexchange.notifier.it;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;

/**
 * One real broker, the stand-in registry and a real SMTP server (GreenMail) per test JVM. The SMTP
 * port is fixed for the JVM so the server can be stopped and started again on it (an outage).
 */
final class NotifierInfrastructure {

  private static final int SMTP_PORT = freePort();
  private static final List<GreenMail> MAIL_SERVERS = new CopyOnWriteArrayList<>();
  private static volatile GreenMail mail;

  private NotifierInfrastructure() {}

  static String bootstrapServers() {
    return ExchangeInfrastructure.bootstrapServers();
  }

  static String registryUrl() {
    return ExchangeInfrastructure.registryUrl();
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

  /** Every email any of this JVM's SMTP servers received. */
  static List<MimeMessage> allMail() {
    List<MimeMessage> all = new ArrayList<>();
    for (GreenMail server : MAIL_SERVERS) {
      all.addAll(Arrays.asList(server.getReceivedMessages()));
    }
    return all;
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
    ExchangeInfrastructure.publish(topic, key, event);
  }

  /** Every record on a topic for one key so far, decoded. */
  static List<ConsumerRecord<String, SpecificRecord>> records(String topic, String key) {
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl(), SerdeConfig.SPECIFIC_AVRO_READER, true),
        false);
    return ExchangeInfrastructure.read(topic, values).stream()
        .filter(r -> key.equals(r.key()))
        .toList();
  }

  static List<SpecificRecord> events(String topic, String key) {
    return records(topic, key).stream().map(ConsumerRecord::value).toList();
  }
}
