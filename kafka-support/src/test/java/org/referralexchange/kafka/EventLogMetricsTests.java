package org.referralexchange.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/**
 * The operators' metrics of the event log against a real broker and registry: the lag gauge follows
 * what the views have not applied yet, and each dead letter written is counted.
 */
class EventLogMetricsTests {

  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @BeforeAll
  static void topics() {
    ExchangeInfrastructure.createExchangeTopics();
  }

  static KafkaProperties kafka() {
    KafkaProperties kafka = new KafkaProperties();
    kafka.setBootstrapServers(List.of(ExchangeInfrastructure.bootstrapServers()));
    kafka
        .getProperties()
        .put(SerdeConfig.SCHEMA_REGISTRY_URL, ExchangeInfrastructure.registryUrl());
    return kafka;
  }

  static SchemaRegistryClient registry() {
    return new SchemaRegistryClient(SerdeConfig.from(kafka().getProperties()));
  }

  /** A view that applies an event only when the test lets it, so the reader falls behind. */
  static final class GatedView implements EventView {
    final Semaphore permits = new Semaphore(0);
    private final TopicSpec topic;

    GatedView(TopicSpec topic) {
      this.topic = topic;
    }

    @Override
    public Set<TopicSpec> topics() {
      return Set.of(topic);
    }

    @Override
    public void apply(TopicSpec topic, String key, SpecificRecord event) {
      permits.acquireUninterruptibly();
    }
  }

  double lag(String topic) {
    return meters.get("exchange.event_log.lag").tag("topic", topic).gauge().value();
  }

  @Test
  void lagCountsWhatTheViewsHaveNotAppliedYet() {
    TopicSpec topic = Topics.REFERRAL_STATUS_CHANGED;
    for (int i = 0; i < 3; i++) {
      String referralId = "lag-" + UUID.randomUUID();
      ExchangeInfrastructure.publish(topic, referralId, SampleEvents.completed(referralId));
    }
    long onTopic = ExchangeInfrastructure.readAll(topic.name()).size();
    GatedView view = new GatedView(topic);
    EventLog log = new EventLog(List.of(view), kafka(), registry(), meters, Optional.empty());
    try {
      assertThat(lag(topic.name())).isNaN();
      log.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> lag(topic.name()) == onTopic);
      assertThat(meters.scrape())
          .contains("exchange_event_log_lag{topic=\"referral.status-changed\"} " + onTopic);

      view.permits.release((int) onTopic);
      await().atMost(Duration.ofSeconds(30)).until(() -> log.caughtUp() && lag(topic.name()) == 0);

      String later = "lag-later-" + UUID.randomUUID();
      ExchangeInfrastructure.publish(topic, later, SampleEvents.completed(later));
      await().atMost(Duration.ofSeconds(30)).until(() -> lag(topic.name()) == 1);
      view.permits.release();
      await().atMost(Duration.ofSeconds(30)).until(() -> lag(topic.name()) == 0);
    } finally {
      view.permits.release(1_000);
      log.stop();
    }
  }

  @Test
  void deadLettersAreCountedByTopicAndReason() {
    TopicSpec topic = Topics.REFERRAL_OVERDUE;
    String key = "poison-" + UUID.randomUUID();
    ExchangeInfrastructure.publishRaw(topic.name(), key, new byte[] {9, 9, 9, 9, 9, 9});
    GatedView view = new GatedView(topic);
    view.permits.release(1_000);
    EventLog log =
        new EventLog(
            List.of(view),
            kafka(),
            registry(),
            meters,
            Optional.of(new DeadLetterWriter(kafka(), meters)));
    try {
      log.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> log.caughtUp() && lag(topic.name()) == 0);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  ExchangeInfrastructure.readAll(topic.deadLetterTopic()).stream()
                      .anyMatch(r -> key.equals(r.key())));
      Counter counted =
          meters
              .get("exchange.dead_letters")
              .tag("topic", topic.name())
              .tag("reason", "MalformedPayload")
              .counter();
      assertThat(counted.count()).isEqualTo(1.0);
      assertThat(meters.scrape())
          .contains(
              "exchange_dead_letters_total{reason=\"MalformedPayload\",topic=\"referral.overdue\"} 1.0");
    } finally {
      log.stop();
    }
  }
}
