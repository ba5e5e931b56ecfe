package org.referralexchange.adapter.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.kafka.WorkOwnership;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Scenario 7 of the reliability suite, in one JVM: adapter instances in one consumer group divide
 * the referrals between them, and when one leaves during a batch (gracefully, or vanishing without
 * a word so that only the session timeout hands its partitions over) every referral still reaches
 * the provider. Counted at the provider (WireMock), by the webhook-id each delivery carries.
 */
class SeveralInstancesTests {

  static final String PROVIDER = "several";
  static final Duration SESSION = Duration.ofSeconds(10);

  WireMockServer provider;
  String group;
  final List<ConfigurableApplicationContext> running = new ArrayList<>();

  @BeforeEach
  void provider() {
    provider = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    provider.start();
    // Slow enough that a batch is still on its way when an instance leaves.
    provider.stubFor(
        post(urlEqualTo("/several")).willReturn(aResponse().withStatus(202).withFixedDelay(150)));
    group = "several-instances-" + UUID.randomUUID();
  }

  @AfterEach
  void stop() {
    running.forEach(ConfigurableApplicationContext::close);
    provider.stop();
  }

  ConfigurableApplicationContext adapter() {
    String[] args =
        AdapterArguments.webhookProvider(
            group,
            PROVIDER,
            provider.baseUrl() + "/several",
            "P2D",
            "--exchange.kafka.ownership.session-timeout=" + SESSION,
            "--exchange.kafka.ownership.heartbeat-interval=PT1S");
    ConfigurableApplicationContext adapter =
        new SpringApplicationBuilder(AgencyAdapterApplication.class).run(args);
    running.add(adapter);
    return adapter;
  }

  static Set<Integer> owned(ConfigurableApplicationContext adapter) {
    return adapter.getBean(WorkOwnership.class).owned();
  }

  static double delivered(ConfigurableApplicationContext adapter) {
    return delivered(adapter.getBean(MeterRegistry.class));
  }

  /** Deliveries an instance counted; its registry can still be read after it closed. */
  static double delivered(MeterRegistry meters) {
    Counter counter =
        meters
            .find("adapter.deliveries")
            .tags("provider", PROVIDER, "outcome", "delivered")
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /** Delivery requests the provider received, by webhook-id, in the order they came. */
  Map<String, Long> deliveriesByWebhookId() {
    List<LoggedRequest> requests =
        provider.findAll(
            postRequestedFor(urlEqualTo("/several"))
                .withRequestBody(matchingJsonPath("$.type", equalTo("referral.requested"))));
    return requests.stream()
        .collect(Collectors.groupingBy(r -> r.getHeader("webhook-id"), Collectors.counting()));
  }

  long distinctDelivered(Set<String> referralIds) {
    Map<String, Long> byId = deliveriesByWebhookId();
    return referralIds.stream().filter(id -> byId.containsKey("referral-" + id)).count();
  }

  static Map<String, Long> deliveredEvents(Set<String> referralIds) {
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL,
            ExchangeInfrastructure.registryUrl(),
            SerdeConfig.SPECIFIC_AVRO_READER,
            true),
        false);
    Map<String, Long> counts = new HashMap<>();
    for (ConsumerRecord<String, SpecificRecord> record :
        ExchangeInfrastructure.read(Topics.REFERRAL_DELIVERED.name(), values)) {
      if (record.value() instanceof ReferralDelivered && referralIds.contains(record.key())) {
        counts.merge(record.key(), 1L, Long::sum);
      }
    }
    return counts;
  }

  Set<String> submit(int count) {
    Set<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < count; i++) {
      ids.add(AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true));
    }
    return ids;
  }

  void awaitSplit(ConfigurableApplicationContext a, ConfigurableApplicationContext b) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              Set<Integer> both = new java.util.TreeSet<>(owned(a));
              both.addAll(owned(b));
              return !owned(a).isEmpty() && !owned(b).isEmpty() && both.size() == 6;
            });
  }

  @Test
  void instancesSplitTheReferralsAndAGracefulLeaveOrJoinMidBatchLosesAndRepeatsNothing() {
    ConfigurableApplicationContext a = adapter();
    ConfigurableApplicationContext b = adapter();
    awaitSplit(a, b);

    Set<String> referrals = new LinkedHashSet<>(submit(30));
    await().atMost(Duration.ofSeconds(60)).until(() -> distinctDelivered(referrals) >= 10);
    MeterRegistry metersOfB = b.getBean(MeterRegistry.class);
    // B leaves mid-batch: its partitions move to A once what B had on its way is recorded.
    b.close();
    double deliveredByB = delivered(metersOfB);
    referrals.addAll(submit(30));
    await().atMost(Duration.ofSeconds(60)).until(() -> distinctDelivered(referrals) >= 45);
    // C joins while the rest of that batch is still on its way: A gives some partitions up.
    ConfigurableApplicationContext c = adapter();
    await().atMost(Duration.ofSeconds(60)).until(() -> !owned(c).isEmpty());
    referrals.addAll(submit(20));
    await().atMost(Duration.ofSeconds(90)).until(() -> distinctDelivered(referrals) == 80);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> deliveredEvents(referrals).size() == referrals.size());

    Map<String, Long> requests = deliveriesByWebhookId();
    Map<String, Long> events = deliveredEvents(referrals);
    long repeated =
        referrals.stream().filter(id -> requests.getOrDefault("referral-" + id, 0L) > 1).count();
    System.out.printf(
        "scenario 7 adapter, graceful: %d referrals, %d delivered (distinct), %d delivered twice,"
            + " ReferralDelivered events %d; delivered by A %.0f, B %.0f (until it left), C %.0f%n",
        referrals.size(),
        distinctDelivered(referrals),
        repeated,
        events.values().stream().mapToLong(Long::longValue).sum(),
        delivered(a),
        deliveredByB,
        delivered(c));
    assertThat(distinctDelivered(referrals)).isEqualTo(80);
    assertThat(repeated).as("referrals delivered more than once").isZero();
    assertThat(events.values()).as("one ReferralDelivered per referral").containsOnly(1L);
    assertThat(deliveredByB).as("B delivered some before it left").isPositive();
    assertThat(delivered(c)).as("C delivered some after it joined").isPositive();
    assertThat(delivered(a) + deliveredByB + delivered(c)).isEqualTo(80);
  }

  @Test
  void aVanishedInstancesReferralsAreDeliveredByTheOtherAfterTheSessionTimeout() {
    ConfigurableApplicationContext a = adapter();
    ConfigurableApplicationContext b = adapter();
    awaitSplit(a, b);
    Set<Integer> ofB = owned(b);

    Set<String> referrals = new LinkedHashSet<>(submit(30));
    await().atMost(Duration.ofSeconds(60)).until(() -> distinctDelivered(referrals) >= 10);
    // B vanishes as a killed process would: it leaves the group without a word and its work in
    // flight is cut off; only the session timeout gives its partitions to A.
    b.getBean(WorkOwnership.class).abandon();
    Instant vanished = Instant.now();
    b.close();
    running.remove(b);
    Set<String> reachedBefore = deliveriesByWebhookId().keySet();
    referrals.addAll(submit(30));
    await()
        .atMost(SESSION.plus(Duration.ofSeconds(60)))
        .until(() -> distinctDelivered(referrals) == 60);
    Duration takeover = Duration.between(vanished, Instant.now());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> deliveredEvents(referrals).size() == referrals.size());

    WorkOwnership ownership = a.getBean(WorkOwnership.class);
    Map<String, Long> requests = deliveriesByWebhookId();
    Set<String> repeated =
        referrals.stream()
            .filter(id -> requests.getOrDefault("referral-" + id, 0L) > 1)
            .collect(Collectors.toSet());
    // The first delivery of each referral of B's partitions that had not reached the provider
    // when B was gone: none before the group gave up on B.
    Instant firstTakenOver =
        provider
            .findAll(
                postRequestedFor(urlEqualTo("/several"))
                    .withRequestBody(matchingJsonPath("$.type", equalTo("referral.requested"))))
            .stream()
            .filter(r -> !reachedBefore.contains(r.getHeader("webhook-id")))
            .filter(
                r ->
                    ofB.contains(
                        ownership.partitionOf(
                            r.getHeader("webhook-id").substring("referral-".length()))))
            .map(r -> r.getLoggedDate().toInstant())
            .min(Instant::compareTo)
            .orElseThrow();
    System.out.printf(
        "scenario 7 adapter, vanished: %d referrals, %d delivered (distinct), %d delivered again"
            + " with the same webhook-id; B's partitions worked again %d ms after it vanished,"
            + " all delivered after %d s; A owns %s%n",
        referrals.size(),
        distinctDelivered(referrals),
        repeated.size(),
        Duration.between(vanished, firstTakenOver).toMillis(),
        takeover.toSeconds(),
        owned(a));
    assertThat(distinctDelivered(referrals)).as("no referral lost").isEqualTo(60);
    assertThat(owned(a)).containsAll(ofB).hasSize(6);
    assertThat(Duration.between(vanished, firstTakenOver))
        .as("B's partitions waited for the session timeout")
        .isGreaterThan(SESSION.minusSeconds(2));
    // A repeat is B's delivery done again by A, with the same webhook-id (the provider's key to
    // drop it); A never repeats its own.
    assertThat(repeated)
        .allMatch(
            id ->
                ofB.contains(ownership.partitionOf(id))
                    && reachedBefore.contains("referral-" + id));
  }
}
