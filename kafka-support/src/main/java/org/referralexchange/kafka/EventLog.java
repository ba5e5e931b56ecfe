package org.referralexchange.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.referralexchange.policy.EventPlausibility;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerdeException;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;

/**
 * Reads the topics a service's views need, from the beginning, on every instance, and applies each
 * event to the views. That is how state survives restarts and why two instances answer the same:
 * both read the same log. No consumer group is used, so no instance shares partitions.
 *
 * <p>An undecodable record is logged by offset (never by content), counted, and skipped; a record
 * that cannot be decoded because the registry is unreachable is retried, not skipped. A record that
 * decodes but cannot be true (refused by {@link EventPlausibility} or by a view's {@link
 * EventView#check}) is skipped the same way, applied to no view, and counted in {@code
 * exchange.event_log.refused} by topic and policy. Where a {@link DeadLetterWriter} is set, both
 * kinds go to the topic's dead-letter topic first.
 *
 * <p>How far behind this instance is shows as the gauge {@code exchange.event_log.lag} per topic:
 * records on the topic not yet applied to the views (end offset minus the next offset to apply,
 * summed over partitions). The reader thread updates it after each poll from what the consumer
 * already knows (the high watermark of the last fetch, {@code currentLag}), so a scrape costs no
 * broker request; it is NaN until the reader has assigned its partitions.
 */
public class EventLog implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EventLog.class);
  private static final Duration RETRY = Duration.ofSeconds(1);

  private final List<EventView> views;
  private final KafkaProperties kafka;
  private final SchemaRegistryClient registry;
  private final MeterRegistry meters;
  private final java.util.Optional<DeadLetterWriter> deadLetters;
  private final Set<TopicSpec> topics = new LinkedHashSet<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile boolean caughtUp;
  private volatile KafkaConsumer<String, SpecificRecord> consumer;
  private Thread thread;

  /** Per partition: the end offset last seen (high watermark), and the next offset to apply. */
  private final Map<TopicPartition, Long> ends = new ConcurrentHashMap<>();

  private final Map<TopicPartition, Long> applied = new ConcurrentHashMap<>();

  public EventLog(
      List<EventView> views,
      KafkaProperties kafka,
      SchemaRegistryClient registry,
      MeterRegistry meters,
      java.util.Optional<DeadLetterWriter> deadLetters) {
    this.views = views;
    this.kafka = kafka;
    this.registry = registry;
    this.meters = meters;
    this.deadLetters = deadLetters;
    views.forEach(v -> topics.addAll(v.topics()));
    for (TopicSpec topic : topics) {
      Gauge.builder("exchange.event_log.lag", this, log -> log.lag(topic.name()))
          .tag("topic", topic.name())
          .description("Records on the topic this instance has not applied yet")
          .register(meters);
    }
  }

  /**
   * Records on a topic not yet applied, summed over its partitions; NaN before the reader has
   * assigned them.
   */
  double lag(String topic) {
    long sum = 0;
    boolean known = false;
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      if (end.getKey().topic().equals(topic)) {
        Long next = applied.get(end.getKey());
        if (next != null) {
          known = true;
          sum += Math.max(0, end.getValue() - next);
        }
      }
    }
    return known ? sum : Double.NaN;
  }

  /**
   * The next offset of a partition still to apply: every record before it has reached the views.
   * Empty while the reader has not assigned the partition (at start, and after a reader failure,
   * when it reads again from the beginning). {@link WorkOwnership} compares it with the partition's
   * end at a handover, so a new owner acts only once it has seen what the previous one recorded.
   */
  public OptionalLong nextToApply(TopicPartition partition) {
    Long next = applied.get(partition);
    return next == null ? OptionalLong.empty() : OptionalLong.of(next);
  }

  /** True once every partition was read up to where it ended when this instance started. */
  public boolean caughtUp() {
    return caughtUp;
  }

  /** Applies an event this instance just published, before it comes back from the log. */
  void applyOwn(TopicSpec topic, String key, SpecificRecord event) {
    dispatch(topic, key, event);
  }

  private void dispatch(TopicSpec topic, String key, SpecificRecord event) {
    for (EventView view : views) {
      if (view.topics().contains(topic)) {
        view.apply(topic, key, event);
      }
    }
  }

  @Override
  public void start() {
    if (running.compareAndSet(false, true)) {
      thread = new Thread(this::run, "exchange-event-log");
      thread.setDaemon(true);
      thread.start();
    }
  }

  @Override
  public void stop() {
    running.set(false);
    KafkaConsumer<String, SpecificRecord> current = consumer;
    if (current != null) {
      current.wakeup();
    }
    if (thread != null) {
      try {
        thread.join(Duration.ofSeconds(10).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    deadLetters.ifPresent(DeadLetterWriter::destroy);
  }

  @Override
  public boolean isRunning() {
    return running.get();
  }

  private void run() {
    while (running.get()) {
      try (KafkaConsumer<String, SpecificRecord> opened = open()) {
        consumer = opened;
        follow(opened);
      } catch (WakeupException stopping) {
        return;
      } catch (RuntimeException e) {
        caughtUp = false;
        log.warn("Event log reader failed, restarting from the beginning: {}", e.toString());
        pause();
      }
    }
  }

  private KafkaConsumer<String, SpecificRecord> open() {
    Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>(registry);
    values.configure(config, false);
    return new KafkaConsumer<>(config, new StringDeserializer(), values);
  }

  private void follow(KafkaConsumer<String, SpecificRecord> consumer) {
    List<TopicPartition> partitions = awaitPartitions(consumer);
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> target = new HashMap<>(consumer.endOffsets(partitions));
    ends.clear();
    applied.clear();
    applied.putAll(consumer.beginningOffsets(partitions));
    ends.putAll(target);
    while (running.get()) {
      try {
        ConsumerRecords<String, SpecificRecord> records = consumer.poll(Duration.ofMillis(500));
        observeEnds(consumer, partitions);
        boolean retry = false;
        for (TopicPartition partition : records.partitions()) {
          List<ConsumerRecord<String, SpecificRecord>> batch = records.records(partition);
          long next = batch.get(0).offset();
          for (ConsumerRecord<String, SpecificRecord> record : batch) {
            if (!applyRead(consumer, record)) {
              retry = true;
              break;
            }
            next = record.offset() + 1;
          }
          applied.put(partition, next);
        }
        if (!retry) {
          observeApplied(consumer, partitions);
        }
      } catch (RecordDeserializationException bad) {
        handleUndecodable(consumer, bad);
      }
      if (!caughtUp) {
        target.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        if (target.isEmpty()) {
          caughtUp = true;
          log.info("Event log caught up on {} partitions", partitions.size());
        }
      }
    }
  }

  /** The end of each partition as of the last fetch, before the fetched records are applied. */
  private void observeEnds(
      KafkaConsumer<String, SpecificRecord> consumer, List<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      OptionalLong lag = consumer.currentLag(partition);
      if (lag.isPresent()) {
        ends.put(partition, consumer.position(partition) + lag.getAsLong());
      }
    }
  }

  /**
   * Everything polled is applied: the consumer's position is the next offset to apply (it also
   * steps over offsets that hold no record, such as transaction markers).
   */
  private void observeApplied(
      KafkaConsumer<String, SpecificRecord> consumer, List<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      if (consumer.currentLag(partition).isPresent()) {
        applied.put(partition, consumer.position(partition));
      }
    }
  }

  /**
   * Applies one record read from the log, unless a check refuses it: then it is dead-lettered
   * (reason {@code invalid-content}) and skipped, so no view changes and nothing acts on it. False
   * when the dead letter could not be written: the partition was sought back to the record, to try
   * again after a pause.
   */
  private boolean applyRead(
      KafkaConsumer<String, SpecificRecord> consumer,
      ConsumerRecord<String, SpecificRecord> record) {
    java.util.Optional<TopicSpec> topic = Topics.byName(record.topic());
    if (topic.isEmpty()) {
      return true;
    }
    if (check(topic.get(), record.key(), record.value())
        instanceof PolicyDecision.Rejected refused) {
      return refuse(consumer, record, refused);
    }
    dispatch(topic.get(), record.key(), record.value());
    return true;
  }

  /** What the exchange's policies and this service's views say of an event read from the log. */
  private PolicyDecision check(TopicSpec topic, String key, SpecificRecord event) {
    if (event == null) {
      return PolicyDecision.allowed(); // a tombstone: the views ignore it
    }
    PolicyDecision plausible = EventPlausibility.check(key, event, java.time.Instant.now());
    if (!plausible.isAllowed()) {
      return plausible;
    }
    for (EventView view : views) {
      if (view.topics().contains(topic)) {
        PolicyDecision decision = view.check(topic, key, event);
        if (!decision.isAllowed()) {
          return decision;
        }
      }
    }
    return PolicyDecision.allowed();
  }

  private boolean refuse(
      KafkaConsumer<String, SpecificRecord> consumer,
      ConsumerRecord<String, SpecificRecord> record,
      PolicyDecision.Rejected refused) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    if (deadLetters.isPresent()) {
      try {
        deadLetters
            .get()
            .writeRefused(partition, record.offset(), refused.policy(), refused.reason());
      } catch (Exception e) {
        log.warn(
            "Could not dead-letter {}@{}; retrying: {}", partition, record.offset(), e.toString());
        consumer.seek(partition, record.offset());
        pause();
        return false;
      }
    }
    meters
        .counter("exchange.event_log.refused", "topic", record.topic(), "reason", refused.policy())
        .increment();
    log.warn(
        "Refusing impossible record {}@{}{}: {} ({})",
        partition,
        record.offset(),
        deadLetters.isPresent() ? " (dead-lettered)" : "",
        refused.policy(),
        refused.reason());
    return true;
  }

  private void handleUndecodable(
      KafkaConsumer<String, SpecificRecord> consumer, RecordDeserializationException bad) {
    if (bad.getCause() instanceof AvroSerdeException serde && serde.isTransient()) {
      log.warn("Schema registry unreachable while reading {}; retrying", bad.topicPartition());
      consumer.seek(bad.topicPartition(), bad.offset());
      pause();
      return;
    }
    if (deadLetters.isPresent()) {
      try {
        deadLetters.get().write(bad);
      } catch (Exception e) {
        log.warn(
            "Could not dead-letter {}@{}; retrying: {}",
            bad.topicPartition(),
            bad.offset(),
            e.toString());
        consumer.seek(bad.topicPartition(), bad.offset());
        pause();
        return;
      }
    }
    meters.counter("exchange.event_log.skipped", "topic", bad.topicPartition().topic()).increment();
    applied.put(bad.topicPartition(), bad.offset() + 1);
    log.error(
        "Skipping undecodable record {}@{}{}: {}",
        bad.topicPartition(),
        bad.offset(),
        deadLetters.isPresent() ? " (dead-lettered)" : "",
        bad.getCause() == null ? bad.getMessage() : bad.getCause().getClass().getSimpleName());
    consumer.seek(bad.topicPartition(), bad.offset() + 1);
  }

  private List<TopicPartition> awaitPartitions(KafkaConsumer<String, SpecificRecord> consumer) {
    while (running.get()) {
      List<TopicPartition> partitions = new ArrayList<>();
      boolean all = true;
      for (TopicSpec topic : topics) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
          all = false;
          break;
        }
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
      }
      if (all) {
        return partitions;
      }
      log.info("Waiting for topics {} to exist", topics.stream().map(TopicSpec::name).toList());
      pause();
    }
    throw new WakeupException();
  }

  private void pause() {
    try {
      Thread.sleep(RETRY.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }
}
