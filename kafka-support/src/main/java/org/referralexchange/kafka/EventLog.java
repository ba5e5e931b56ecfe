package org.referralexchange.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
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
 * that cannot be decoded because the registry is unreachable is retried, not skipped.
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
    while (running.get()) {
      try {
        for (ConsumerRecord<String, SpecificRecord> record :
            consumer.poll(Duration.ofMillis(500))) {
          Topics.byName(record.topic())
              .ifPresent(topic -> dispatch(topic, record.key(), record.value()));
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
