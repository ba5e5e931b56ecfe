package org.referralexchange.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 7, scenarios 5 and 6 at the event log, against a real broker and the stand-in registry: a
 * record that decodes but cannot be true is dead-lettered with its bytes and a reason and applied
 * to no view, and the partition moves on; a cold reader whose registry is down waits for it, writes
 * no dead letter, and catches up once it is back.
 */
class EventLogFaultTests {

  private static final TopicSpec STATUS = Topics.REFERRAL_STATUS_CHANGED;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeAll
  static void topics() {
    ExchangeInfrastructure.createExchangeTopics();
  }

  /** Records every status change it is given; refuses any whose provider is "refuse-me". */
  static final class RecordingView implements EventView {
    final List<ReferralStatusChanged> applied = new CopyOnWriteArrayList<>();

    @Override
    public Set<TopicSpec> topics() {
      return Set.of(STATUS);
    }

    @Override
    public PolicyDecision check(TopicSpec topic, String key, SpecificRecord event) {
      return event instanceof ReferralStatusChanged c && c.getProviderId().equals("refuse-me")
          ? PolicyDecision.rejected("provider-mismatch", "refused by the view")
          : PolicyDecision.allowed();
    }

    @Override
    public void apply(TopicSpec topic, String key, SpecificRecord event) {
      applied.add((ReferralStatusChanged) event);
    }

    boolean saw(String referralId) {
      return applied.stream().anyMatch(e -> e.getReferralId().equals(referralId));
    }
  }

  private static ReferralStatusChanged status(
      String referralId, ReferralStatus status, ActorRole role, String provider) {
    return ReferralStatusChanged.newBuilder(SampleEvents.completed(referralId))
        .setEventId(UUID.randomUUID())
        .setOccurredAt(java.time.Instant.now())
        .setStatus(status)
        .setProviderId(provider)
        .setActor(Actor.newBuilder().setRole(role).setOrganizationId(provider).build())
        .build();
  }

  @Test
  void impossibleContentIsDeadLetteredWithItsBytesAndReasonAndThePartitionMovesOn() {
    String referralId = "impossible-" + UUID.randomUUID();
    // One key, so one partition: two impossible records, then a possible one behind them.
    ExchangeInfrastructure.publish(
        STATUS,
        referralId,
        status(referralId, ReferralStatus.COMPLETED, ActorRole.REQUESTER, "northside-food-bank"));
    ExchangeInfrastructure.publish(
        STATUS,
        referralId,
        status(referralId, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, "refuse-me"));
    ReferralStatusChanged possible =
        status(referralId, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, "northside-food-bank");
    ExchangeInfrastructure.publish(STATUS, referralId, possible);
    List<ConsumerRecord<String, byte[]>> originals =
        ExchangeInfrastructure.readAll(STATUS.name()).stream()
            .filter(r -> referralId.equals(r.key()))
            .toList();
    assertThat(originals).hasSize(3);

    RecordingView view = new RecordingView();
    EventLog log =
        new EventLog(
            List.of(view),
            EventLogMetricsTests.kafka(),
            EventLogMetricsTests.registry(),
            meters,
            Optional.of(new DeadLetterWriter(EventLogMetricsTests.kafka(), meters)));
    try {
      log.start();
      await().atMost(Duration.ofSeconds(60)).until(log::caughtUp);
      await().atMost(Duration.ofSeconds(30)).until(() -> view.saw(referralId));
      assertThat(view.applied.stream().filter(e -> e.getReferralId().equals(referralId)))
          .as("only the possible record reached the view")
          .extracting(ReferralStatusChanged::getEventId)
          .containsExactly(possible.getEventId());

      List<ConsumerRecord<String, byte[]>> dead =
          ExchangeInfrastructure.readAll(STATUS.deadLetterTopic()).stream()
              .filter(r -> referralId.equals(r.key()))
              .toList();
      assertThat(dead).hasSize(2);
      for (int i = 0; i < 2; i++) {
        assertThat(dead.get(i).value()).isEqualTo(originals.get(i).value());
        assertThat(header(dead.get(i), "exchange-dlt-reason")).isEqualTo("invalid-content");
        assertThat(header(dead.get(i), "exchange-dlt-original-offset"))
            .isEqualTo(Long.toString(originals.get(i).offset()));
        assertThat(header(dead.get(i), "exchange-dlt-message")).doesNotContain(referralId);
      }
      assertThat(header(dead.get(0), "exchange-dlt-cause"))
          .isEqualTo("status-not-settable-by-actor");
      assertThat(header(dead.get(1), "exchange-dlt-cause")).isEqualTo("provider-mismatch");
      assertThat(
              meters
                  .get("exchange.event_log.refused")
                  .tags("topic", STATUS.name(), "reason", "provider-mismatch")
                  .counter()
                  .count())
          .isEqualTo(1.0);
    } finally {
      log.stop();
    }

    // Read again from the beginning (a restart): refused again, and not dead-lettered twice.
    RecordingView again = new RecordingView();
    EventLog restarted =
        new EventLog(
            List.of(again),
            EventLogMetricsTests.kafka(),
            EventLogMetricsTests.registry(),
            new SimpleMeterRegistry(),
            Optional.of(new DeadLetterWriter(EventLogMetricsTests.kafka(), meters)));
    try {
      restarted.start();
      await().atMost(Duration.ofSeconds(60)).until(restarted::caughtUp);
      assertThat(again.applied.stream().filter(e -> e.getReferralId().equals(referralId)))
          .hasSize(1);
      assertThat(
              ExchangeInfrastructure.readAll(STATUS.deadLetterTopic()).stream()
                  .filter(r -> referralId.equals(r.key())))
          .hasSize(2);
    } finally {
      restarted.stop();
    }
  }

  @Test
  void aColdReaderWaitsForTheRegistryWritesNoDeadLetterAndCatchesUpWhenItIsBack() throws Exception {
    String referralId = "cold-" + UUID.randomUUID();
    ExchangeInfrastructure.publish(
        STATUS,
        referralId,
        status(referralId, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, "northside-food-bank"));
    long deadBefore = undecodableDeadLetters();

    // A second stand-in registry over the same store, not started yet: the reader's registry.
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    KafkaProperties kafka = EventLogMetricsTests.kafka();
    kafka.getProperties().put(SerdeConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + port);
    SchemaRegistryClient cold = new SchemaRegistryClient(SerdeConfig.from(kafka.getProperties()));
    RecordingView view = new RecordingView();
    EventLog log =
        new EventLog(
            List.of(view), kafka, cold, meters, Optional.of(new DeadLetterWriter(kafka, meters)));
    ConfigurableApplicationContext registry = null;
    try {
      log.start();
      long downFor = System.nanoTime();
      await()
          .during(Duration.ofSeconds(5))
          .atMost(Duration.ofSeconds(20))
          .until(() -> !log.caughtUp() && view.applied.isEmpty());
      assertThat(undecodableDeadLetters()).isEqualTo(deadBefore);
      assertThat(meters.find("exchange.event_log.skipped").counter()).isNull();

      registry =
          SchemaRegistryApplication.builder()
              .run(
                  "--server.port=" + port,
                  "--server.address=127.0.0.1",
                  "--registry.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
                  "--spring.main.banner-mode=off");
      long backAt = System.nanoTime();
      await().atMost(Duration.ofSeconds(60)).until(() -> log.caughtUp() && view.saw(referralId));
      System.out.printf(
          "[registry-down] cold reader caught up %.1f s after the registry was back (down %.1f"
              + " s)%n",
          (System.nanoTime() - backAt) / 1e9, (backAt - downFor) / 1e9);
      assertThat(undecodableDeadLetters()).isEqualTo(deadBefore);
      assertThat(meters.find("exchange.event_log.skipped").counter()).isNull();
    } finally {
      log.stop();
      if (registry != null) {
        registry.close();
      }
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** Dead letters on the status topic for want of a decodable record (not for their content). */
  private static long undecodableDeadLetters() {
    return ExchangeInfrastructure.readAll(STATUS.deadLetterTopic()).stream()
        .filter(r -> "undecodable".equals(header(r, "exchange-dlt-reason")))
        .count();
  }
}
