package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.SerdeConfig;
import tools.jackson.databind.JsonNode;

/**
 * The run command's own response clock: the exchange started from {@link LocalSettings} through
 * {@link LocalExchange#components(LocalSettings)}, as {@code ./run-local.sh} starts it, not with a
 * test's clocks. A referral to the {@code silent} demo provider that names no respondBy gets its
 * reminder after the demo response window and returns after the grace. The window and grace are
 * shortened from the run command's 2 minutes each only through their own settings ({@code
 * exchange.demo.response-window}, {@code exchange.demo.grace}), the knobs docs/operations.md names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunCommandResponseClockTests {

  private static final Duration WINDOW = Duration.ofSeconds(12);
  private static final Duration GRACE = Duration.ofSeconds(8);

  @TempDir static Path localDir;

  private LocalExchange exchange;
  private LoopDriver driver;
  private KafkaBrokerComponent kafka;
  private SchemaRegistryComponent registry;

  @BeforeAll
  void startTheExchangeAsTheRunCommandDoes() throws Exception {
    LocalSettings settings =
        LoopDriver.settings(
            localDir,
            "--" + LocalSettings.DEMO_RESPONSE_WINDOW + "=" + WINDOW,
            "--" + LocalSettings.DEMO_GRACE + "=" + GRACE);
    List<LocalComponent> components = LocalExchange.components(settings);
    List<LocalComponent> parts = LoopDriver.parts(components);
    kafka = LoopDriver.only(parts, KafkaBrokerComponent.class);
    registry = LoopDriver.only(parts, SchemaRegistryComponent.class);
    driver =
        new LoopDriver(
            LoopDriver.only(parts, GatewayComponent.class),
            LoopDriver.only(parts, MailCatcherComponent.class),
            LoopDriver.only(parts, SmsCatcherComponent.class));
    exchange = new LocalExchange(components);
    exchange.start();
  }

  @AfterAll
  void stopExchange() {
    if (exchange != null) {
      exchange.stop();
    }
  }

  @Test
  void theRunCommandsDemoDefaultsAreTwoMinutesToAnswerAndTwoMoreBeforeReturning() {
    LocalSettings defaults =
        LocalSettings.from(new String[0], new java.util.Properties(), Map.of());

    LocalExchange.DemoClocks clocks = LocalExchange.DemoClocks.local(defaults);

    assertThat(clocks.responseWindow()).isEqualTo(Duration.ofMinutes(2));
    assertThat(clocks.grace()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void aSilentReferralWithoutRespondByIsRemindedAfterTheWindowAndReturnedAfterTheGrace()
      throws Exception {
    String client = "client-" + UUID.randomUUID();
    String consent = driver.recordConsent(client);
    String body =
        LoopDriver.referralBody(
            DemoProvidersComponent.WEBHOOK_PROVIDER_ID,
            "emergency-groceries",
            "silent please",
            null,
            client,
            consent);
    HttpResponse<String> accepted =
        driver.post("/api/v1/referrals", body, "key-" + UUID.randomUUID());
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String referralId = LoopDriver.JSON.readTree(accepted.body()).path("referralId").asString();

    JsonNode shown = LoopDriver.JSON.readTree(driver.get("/api/v1/referrals/" + referralId).body());
    // The gateway stamps no deadline of its own: the provider's window decides.
    assertThat(shown.path("respondBy").isNull() || shown.path("respondBy").isMissingNode())
        .as(shown.toString())
        .isTrue();
    Instant submittedAt = Instant.parse(shown.path("submittedAt").asString());

    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              last[0] =
                  LoopDriver.JSON.readTree(driver.get("/api/v1/referrals/" + referralId).body());
              assertThat(last[0].path("status").asString()).isEqualTo("FAILED");
            });

    List<ReferralOverdue> notices = overdueNotices(referralId);
    assertThat(notices)
        .extracting(ReferralOverdue::getStage)
        .containsExactly(OverdueStage.REMINDER, OverdueStage.RETURNED);
    Instant dueAt = submittedAt.plus(WINDOW);
    for (ReferralOverdue notice : notices) {
      // The demo providers are open around the clock; 1 ms for a midnight that falls in between.
      assertThat(notice.getRespondBy()).isBetween(dueAt, dueAt.plusMillis(1));
    }
    assertThat(notices.get(0).getOccurredAt()).isAfterOrEqualTo(dueAt);
    assertThat(notices.get(1).getOccurredAt()).isAfterOrEqualTo(dueAt.plus(GRACE));
    JsonNode failed = null;
    for (JsonNode step : last[0].path("timeline")) {
      if ("FAILED".equals(step.path("status").asString())) {
        failed = step;
      }
    }
    assertThat(failed).as(last[0].toString()).isNotNull();
    assertThat(failed.path("reasonCode").asString()).isEqualTo("no-response");
    assertThat(Instant.parse(failed.path("occurredAt").asString()))
        .isAfterOrEqualTo(dueAt.plus(GRACE));
    // The case manager hears of both: the reminder and the return.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(driver.emails(referralId)).hasSize(2));
  }

  /** The overdue notices of one referral, the topic read to its end offsets or the test fails. */
  private List<ReferralOverdue> overdueNotices(String referralId) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
    config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(config, false);
    List<ReferralOverdue> notices = new ArrayList<>();
    try (KafkaConsumer<String, SpecificRecord> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), values)) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.REFERRAL_OVERDUE.name(), Duration.ofSeconds(10)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      Instant deadline = Instant.now().plusSeconds(30);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(Instant.now()).as("reading referral.overdue to its end").isBefore(deadline);
        for (ConsumerRecord<String, SpecificRecord> record :
            consumer.poll(Duration.ofMillis(200))) {
          if (referralId.equals(record.key()) && record.value() instanceof ReferralOverdue o) {
            notices.add(o);
          }
        }
      }
    }
    return notices;
  }
}
