package org.referralexchange.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ExchangeInfrastructure;

/**
 * Partition ownership against a real broker: one instance alone works every partition, a partition
 * is worked only once the log has applied what was recorded on it, a graceful handover waits for
 * the work claimed on it, and an instance that vanishes without a word loses its partitions when
 * the session timeout runs out.
 */
class WorkOwnershipTests {

  static final TopicSpec WORK = Topics.REFERRAL_SUBMITTED;
  static final TopicSpec RECORDS = Topics.REFERRAL_STATUS_CHANGED;
  static final Set<Integer> ALL =
      Set.copyOf(IntStream.range(0, WORK.partitions()).boxed().toList());

  private final List<Runnable> cleanup = new ArrayList<>();

  @BeforeAll
  static void topics() {
    ExchangeInfrastructure.createExchangeTopics();
  }

  @AfterEach
  void stopAll() {
    cleanup.forEach(Runnable::run);
  }

  /** An instance: its own event log (a view that applies when let) and its ownership. */
  record Instance(EventLog log, EventLogMetricsTests.GatedView view, WorkOwnership ownership) {}

  Instance instance(String group, Duration session) {
    EventLogMetricsTests.GatedView view = new EventLogMetricsTests.GatedView(RECORDS);
    view.permits.release(100_000);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventLog log =
        new EventLog(
            List.of(view),
            EventLogMetricsTests.kafka(),
            EventLogMetricsTests.registry(),
            meters,
            Optional.empty());
    WorkOwnership ownership =
        new WorkOwnership(
            EventLogMetricsTests.kafka(),
            new WorkOwnershipProperties(
                group, session, Duration.ofSeconds(1), Duration.ofSeconds(30)),
            log,
            WORK,
            List.of(RECORDS),
            meters);
    cleanup.add(
        () -> {
          view.permits.release(100_000);
          ownership.stop();
          log.stop();
        });
    log.start();
    ownership.start();
    return new Instance(log, view, ownership);
  }

  static String group() {
    return "ownership-test-" + UUID.randomUUID();
  }

  /** A key the producer puts on {@code partition}. */
  static String keyOn(WorkOwnership ownership, int partition) {
    while (true) {
      String key = "ref-" + UUID.randomUUID();
      if (ownership.partitionOf(key) == partition) {
        return key;
      }
    }
  }

  @Test
  void partitionOfIsTheProducersChoiceForStringKeys() {
    Instance one = instance(group(), Duration.ofSeconds(10));
    for (int i = 0; i < 200; i++) {
      String key = "ref-" + UUID.randomUUID();
      byte[] bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(one.ownership().partitionOf(key))
          .isEqualTo(BuiltInPartitioner.partitionForKey(bytes, WORK.partitions()))
          .isEqualTo(Utils.toPositive(Utils.murmur2(bytes)) % WORK.partitions());
    }
  }

  @Test
  void aLoneInstanceWorksEveryPartitionButOnlyOnceItsLogAppliedWhatWasRecordedThere() {
    String group = group();
    Instance one = instance(group, Duration.ofSeconds(10));
    await().atMost(Duration.ofSeconds(30)).until(() -> one.log().caughtUp());

    // The log now holds back the next record it reads: one on partition 2, recorded just before
    // the instance is given the partition.
    one.view().permits.drainPermits();
    String key = keyOn(one.ownership(), 2);
    ExchangeInfrastructure.publish(RECORDS, key, SampleEvents.completed(key));
    one.ownership().stop();
    Instance same = new Instance(one.log(), one.view(), restarted(one, group));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> same.ownership().owned().equals(without(ALL, 2)));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !same.ownership().owns(2) && same.ownership().claim(key).isEmpty());

    one.view().permits.release(100_000);
    await().atMost(Duration.ofSeconds(10)).until(() -> same.ownership().owned().equals(ALL));
    Optional<WorkOwnership.Claim> claim = same.ownership().claim(key);
    assertThat(claim).isPresent();
    // Done with it: a claim left open makes the teardown's stop wait out its handover timeout.
    claim.get().close();
  }

  /** A second ownership over the same log: the instance rejoining the group. */
  WorkOwnership restarted(Instance instance, String group) {
    WorkOwnership ownership =
        new WorkOwnership(
            EventLogMetricsTests.kafka(),
            new WorkOwnershipProperties(
                group, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(30)),
            instance.log(),
            WORK,
            List.of(RECORDS),
            new SimpleMeterRegistry());
    cleanup.add(ownership::stop);
    ownership.start();
    return ownership;
  }

  @Test
  void aGracefulHandoverWaitsForTheWorkClaimedOnThePartitionsThatMove() {
    String group = group();
    Instance first = instance(group, Duration.ofSeconds(10));
    await().atMost(Duration.ofSeconds(30)).until(() -> first.ownership().owned().equals(ALL));
    List<WorkOwnership.Claim> claims = new ArrayList<>();
    Map<Integer, String> keys = new HashMap<>();
    for (int p : ALL) {
      String key = keyOn(first.ownership(), p);
      keys.put(p, key);
      claims.add(first.ownership().claim(key).orElseThrow());
    }

    Instance second = instance(group, Duration.ofSeconds(10));
    // The first gives some partitions up: it stops claiming them at once, but the second gets
    // them only once the work claimed on them is done.
    await().atMost(Duration.ofSeconds(30)).until(() -> first.ownership().owned().size() < 6);
    Set<Integer> moving = without(ALL, first.ownership().owned());
    assertThat(moving).isNotEmpty();
    for (int p : moving) {
      assertThat(first.ownership().claim(keys.get(p))).isEmpty();
    }
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> second.ownership().owned().isEmpty());

    claims.forEach(WorkOwnership.Claim::close);
    await().atMost(Duration.ofSeconds(30)).until(() -> second.ownership().owned().equals(moving));
    assertThat(first.ownership().owned()).doesNotContainAnyElementsOf(moving);
    assertThat(union(first.ownership().owned(), second.ownership().owned())).isEqualTo(ALL);

    // Leaving gracefully hands everything back.
    second.ownership().stop();
    await().atMost(Duration.ofSeconds(30)).until(() -> first.ownership().owned().equals(ALL));
  }

  @Test
  void anInstanceThatVanishesKeepsItsPartitionsUntilTheSessionTimeoutRunsOut() {
    String group = group();
    Duration session = Duration.ofSeconds(8);
    Instance first = instance(group, session);
    await().atMost(Duration.ofSeconds(30)).until(() -> first.ownership().owned().equals(ALL));
    Instance second = instance(group, session);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !second.ownership().owned().isEmpty()
                    && union(first.ownership().owned(), second.ownership().owned()).equals(ALL));
    Set<Integer> kept = second.ownership().owned();

    long vanished = System.nanoTime();
    first.ownership().abandon();
    assertThat(first.ownership().owned()).isEmpty();
    // Nobody works the vanished instance's partitions until the group gives up on it.
    await()
        .during(Duration.ofSeconds(4))
        .atMost(Duration.ofSeconds(6))
        .until(() -> second.ownership().owned().equals(kept));
    await().atMost(Duration.ofSeconds(30)).until(() -> second.ownership().owned().equals(ALL));
    assertThat(Duration.ofNanos(System.nanoTime() - vanished)).isGreaterThan(Duration.ofSeconds(5));
  }

  static Set<Integer> without(Set<Integer> all, int one) {
    return without(all, Set.of(one));
  }

  static Set<Integer> without(Set<Integer> all, Set<Integer> some) {
    Set<Integer> left = new HashSet<>(all);
    left.removeAll(some);
    return left;
  }

  static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
    Set<Integer> both = new HashSet<>(a);
    both.addAll(b);
    return both;
  }
}
