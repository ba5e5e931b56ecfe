package org.referralexchange.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.referralexchange.schemas.TopicSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;

/**
 * Divides a service's work between its instances, while every instance keeps reading every event
 * through the {@link EventLog} (the views need them all). A consumer group on one "work" topic
 * decides which instance owns which partition; because the referral topics share key and partition
 * count, a referral's partition number is the same on all of them, so owning partition {@code p}
 * means working the referrals whose id hashes to {@code p}. The consumer reads no records: it only
 * takes part in the group.
 *
 * <p>Handing a partition over must neither lose nor repeat work:
 *
 * <ul>
 *   <li>An instance given a partition starts working it only once its event log has applied that
 *       partition, on every topic the work depends on, up to where it ended when the partition was
 *       given: otherwise it would redo what the previous owner had just recorded.
 *   <li>An instance giving a partition up (graceful rebalance, shutdown) first refuses new {@link
 *       #claim claims} on it, then waits, at most {@code handover-timeout}, for the work already
 *       claimed to be recorded (acknowledged by the broker), so the next owner sees it. The
 *       cooperative protocol gives the partition to the next owner only after that.
 *   <li>An instance that dies (kill -9) or is cut off keeps its partitions until the session
 *       timeout; then the group gives them to the others, and work the dead instance had not
 *       recorded is done again: the work must be idempotent or the window documented.
 * </ul>
 *
 * <p>The group uses the classic protocol with the {@link CooperativeStickyAssignor}: a rebalance
 * moves only the partitions that change hands, and the others keep working through it.
 */
public class WorkOwnership implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(WorkOwnership.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(5);

  /** Told when this instance starts or stops owning partitions; called on the group's thread. */
  public interface Listener {

    /**
     * This instance now owns these partitions, and its views hold everything recorded on them
     * before: look at their work again (it may have been skipped while another instance owned
     * them). Must not block.
     */
    default void owned(Set<Integer> partitions) {}

    /**
     * This instance no longer owns these partitions; claims on them are already refused. Must not
     * block: the handover waits for open claims by itself.
     */
    default void released(Set<Integer> partitions) {}
  }

  /**
   * Work on one key, claimed while its partition is owned. Close it once the work's result is
   * recorded (acknowledged), or the work ended without one; a handover waits for it. Closing twice
   * is harmless.
   */
  public static final class Claim implements AutoCloseable {
    private final Slot slot;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Claim(Slot slot) {
      this.slot = slot;
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        slot.done();
      }
    }
  }

  /** One partition: whether this instance owns it, and how many claims on it are open. */
  private static final class Slot {
    private volatile boolean owned;
    private int open;

    synchronized boolean tryClaim() {
      if (!owned) {
        return false;
      }
      open++;
      return true;
    }

    synchronized void done() {
      open--;
      if (open == 0) {
        notifyAll();
      }
    }

    synchronized void own() {
      owned = true;
    }

    synchronized boolean disown() {
      boolean was = owned;
      owned = false;
      return was;
    }

    /** Waits until no claim is open or the deadline passed; answers how many are still open. */
    synchronized int awaitIdle(long deadlineNanos) {
      while (open > 0) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      return open;
    }
  }

  private final KafkaProperties kafka;
  private final WorkOwnershipProperties properties;
  private final EventLog eventLog;
  private final TopicSpec workTopic;
  private final List<TopicSpec> handoverTopics;
  private final Map<Integer, Slot> slots = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean();

  /**
   * Partitions given to this instance and not worked yet, with the end offsets it waits for its log
   * to reach (null until they were fetched). Only the group's thread touches it.
   */
  private final Map<Integer, Map<TopicPartition, Long>> gated = new HashMap<>();

  private volatile int partitionCount;
  private volatile boolean abandoned;
  private volatile KafkaConsumer<byte[], byte[]> consumer;

  /**
   * Reads the end offsets at a handover. The group's consumer could, but it logs a warning for
   * every partition it is not assigned (all of those on the other topics) each time.
   */
  private Admin admin;

  private Thread thread;

  /**
   * @param workTopic the topic whose partitions the group divides
   * @param handoverTopics the topics (keyed and partitioned like the work topic) whose events the
   *     work decides on, and on which it records what it did: a new owner waits until its log has
   *     applied them up to their end
   */
  public WorkOwnership(
      KafkaProperties kafka,
      WorkOwnershipProperties properties,
      EventLog eventLog,
      TopicSpec workTopic,
      Collection<TopicSpec> handoverTopics,
      MeterRegistry meters) {
    this.kafka = kafka;
    this.properties = properties;
    this.eventLog = eventLog;
    this.workTopic = workTopic;
    this.handoverTopics = List.copyOf(handoverTopics);
    for (TopicSpec topic : handoverTopics) {
      if (topic.partitions() != workTopic.partitions()) {
        throw new IllegalArgumentException(
            topic.name() + " is not partitioned like " + workTopic.name());
      }
    }
    Gauge.builder("exchange.ownership.partitions", this, o -> o.owned().size())
        .tag("group", properties.groupId())
        .description("Partitions of the work topic this instance owns and works")
        .register(meters);
  }

  /** The partition of {@code key}, as the producer's default partitioner picks it. */
  public int partitionOf(String key) {
    int count = partitionCount > 0 ? partitionCount : workTopic.partitions();
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % count;
  }

  /** Whether this instance works the referral (or other key) now. */
  public boolean owns(String key) {
    return owns(partitionOf(key));
  }

  public boolean owns(int partition) {
    Slot slot = slots.get(partition);
    return slot != null && slot.owned;
  }

  /** The partitions this instance owns and works now. */
  public Set<Integer> owned() {
    Set<Integer> owned = new TreeSet<>();
    slots.forEach(
        (p, slot) -> {
          if (slot.owned) {
            owned.add(p);
          }
        });
    return owned;
  }

  /**
   * Claims the work on {@code key} if this instance owns its partition; empty otherwise. A claim
   * holds a handover of the partition back until it is closed (at most {@code handover-timeout}).
   */
  public Optional<Claim> claim(String key) {
    Slot slot = slots.get(partitionOf(key));
    return slot != null && slot.tryClaim() ? Optional.of(new Claim(slot)) : Optional.empty();
  }

  /** Registers a listener; see {@link Listener} for what it may do. */
  public void listen(Listener listener) {
    listeners.add(listener);
  }

  @Override
  public void start() {
    if (running.compareAndSet(false, true)) {
      thread = new Thread(this::run, "exchange-work-ownership");
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** Leaves the group gracefully: work in flight is recorded before the partitions move. */
  @Override
  public void stop() {
    halt();
  }

  @Override
  public boolean isRunning() {
    return running.get();
  }

  /**
   * Stops as a crashed instance would, for fault tests run in one JVM: owns nothing from now on,
   * waits for nothing, and leaves the group without saying so, so the others get its partitions
   * only when the session timeout ran out. A real instance leaves with {@link #stop()}.
   */
  public void abandon() {
    abandoned = true;
    slots.values().forEach(Slot::disown);
    halt();
  }

  private void halt() {
    running.set(false);
    KafkaConsumer<byte[], byte[]> current = consumer;
    if (current != null) {
      current.wakeup();
    }
    if (thread != null && thread != Thread.currentThread()) {
      try {
        thread.join(properties.handoverTimeout().plusSeconds(15).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    admin = Admin.create(kafka.buildAdminProperties());
    try {
      follow();
    } finally {
      admin.close(Duration.ofSeconds(5));
    }
  }

  private void follow() {
    while (running.get()) {
      KafkaConsumer<byte[], byte[]> opened = null;
      try {
        opened = open();
        consumer = opened;
        partitionCount = awaitPartitionCount(opened);
        opened.subscribe(List.of(workTopic.name()), rebalanceListener(opened));
        while (running.get()) {
          opened.poll(POLL);
          openGates();
        }
      } catch (WakeupException stopping) {
        // stop() or abandon(): leave below.
      } catch (RuntimeException e) {
        log.warn(
            "Work ownership ({}) failed, joining the group again: {}",
            properties.groupId(),
            e.toString());
        Set<Integer> held = new TreeSet<>(owned());
        held.addAll(gated.keySet());
        release(held, false);
        pauseBriefly();
      } finally {
        if (opened != null) {
          close(opened);
        }
      }
    }
    slots.values().forEach(Slot::disown);
  }

  private KafkaConsumer<byte[], byte[]> open() {
    Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.groupId());
    config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    config.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    config.put(
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) properties.sessionTimeout().toMillis());
    config.put(
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
        (int) properties.heartbeatInterval().toMillis());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private void close(KafkaConsumer<byte[], byte[]> opened) {
    consumer = null;
    try {
      CloseOptions options =
          CloseOptions.timeout(Duration.ofSeconds(10))
              .withGroupMembershipOperation(
                  abandoned
                      ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
                      : CloseOptions.GroupMembershipOperation.DEFAULT);
      opened.close(options);
    } catch (RuntimeException e) {
      log.warn("Closing the work ownership consumer failed: {}", e.toString());
    }
  }

  private int awaitPartitionCount(KafkaConsumer<byte[], byte[]> opened) {
    while (running.get()) {
      List<PartitionInfo> infos = opened.partitionsFor(workTopic.name(), Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        if (infos.size() != workTopic.partitions()) {
          log.warn(
              "{} has {} partitions, not the {} the exchange creates it with",
              workTopic.name(),
              infos.size(),
              workTopic.partitions());
        }
        return infos.size();
      }
      log.info("Waiting for topic {} to exist", workTopic.name());
      pauseBriefly();
    }
    throw new WakeupException();
  }

  private ConsumerRebalanceListener rebalanceListener(KafkaConsumer<byte[], byte[]> opened) {
    return new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        // Records are never read: the views come from the event log.
        opened.pause(opened.assignment());
        if (partitions.isEmpty()) {
          return;
        }
        for (TopicPartition partition : partitions) {
          slots.computeIfAbsent(partition.partition(), p -> new Slot());
          gated.put(partition.partition(), null);
        }
        log.info(
            "Group {} gave this instance partitions {}; working them once the log has caught up"
                + " with them",
            properties.groupId(),
            numbers(partitions));
      }

      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        release(numbers(partitions), !abandoned);
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        // Already someone else's: waiting would not keep the work from being done twice.
        release(numbers(partitions), false);
      }
    };
  }

  /**
   * Starts working the partitions given to this instance whose handover topics its log has applied
   * up to where they ended when they were given (fetched right after; later is only safer).
   */
  private void openGates() {
    if (gated.isEmpty() || !eventLog.caughtUp()) {
      return;
    }
    List<TopicPartition> unknown = new ArrayList<>();
    gated.forEach(
        (p, targets) -> {
          if (targets == null) {
            handoverTopics.forEach(t -> unknown.add(new TopicPartition(t.name(), p)));
          }
        });
    if (!unknown.isEmpty()) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      unknown.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
      try {
        var ends =
            admin
                .listOffsets(
                    latest,
                    new ListOffsetsOptions().timeoutMs((int) END_OFFSETS_TIMEOUT.toMillis()))
                .all()
                .get(END_OFFSETS_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        for (TopicPartition partition : unknown) {
          gated
              .computeIfAbsent(partition.partition(), p -> new HashMap<>())
              .put(partition, ends.get(partition).offset());
        }
      } catch (ExecutionException | TimeoutException | KafkaException e) {
        log.info("End offsets for a handover not available yet: {}", e.toString());
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new WakeupException();
      }
    }
    Set<Integer> ready = new TreeSet<>();
    gated.forEach(
        (p, targets) -> {
          if (targets.entrySet().stream()
              .allMatch(e -> eventLog.nextToApply(e.getKey()).orElse(-1) >= e.getValue())) {
            ready.add(p);
          }
        });
    if (ready.isEmpty()) {
      return;
    }
    ready.forEach(gated::remove);
    ready.forEach(p -> slots.get(p).own());
    log.info(
        "Working partitions {} of {} for group {}", ready, workTopic.name(), properties.groupId());
    listeners.forEach(l -> l.owned(ready));
  }

  /**
   * Stops working the partitions: new claims are refused at once; with {@code drain}, waits (at
   * most the handover timeout) for open claims to close, so what they did is on the log before the
   * next owner reads it.
   */
  private void release(Set<Integer> partitions, boolean drain) {
    if (partitions.isEmpty()) {
      return;
    }
    partitions.forEach(gated::remove);
    List<Slot> released = new ArrayList<>();
    for (Integer p : partitions) {
      Slot slot = slots.get(p);
      if (slot != null) {
        slot.disown();
        released.add(slot);
      }
    }
    listeners.forEach(l -> l.released(partitions));
    if (drain) {
      long deadline = System.nanoTime() + properties.handoverTimeout().toNanos();
      int open = 0;
      for (Slot slot : released) {
        open += slot.awaitIdle(deadline);
      }
      if (open > 0) {
        log.warn(
            "Handing over partitions {} with {} pieces of work not recorded after {}; the next"
                + " owner may do them again",
            partitions,
            open,
            properties.handoverTimeout());
      }
    }
    log.info(
        "Released partitions {} of {} (group {})",
        partitions,
        workTopic.name(),
        properties.groupId());
  }

  private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
    Set<Integer> numbers = new TreeSet<>();
    partitions.forEach(p -> numbers.add(p.partition()));
    return numbers;
  }

  private void pauseBriefly() {
    try {
      Thread.sleep(RETRY.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }
}
