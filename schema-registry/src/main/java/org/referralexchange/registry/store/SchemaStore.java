package org.referralexchange.registry.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.referralexchange.registry.RegistryProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The Kafka side of the store. At start-up it creates the topic if missing and reads it to its end
 * before the web server opens (a lower lifecycle phase than the server's). A reader thread keeps
 * tailing the topic so that instances sharing it converge. A write is answered only once the broker
 * acknowledged it and this instance's reader applied it, so a client reads its own writes.
 */
@Component
public class SchemaStore implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(SchemaStore.class);

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final RegistryProperties properties;
  private final RegistryState state = new RegistryState();
  private final TopicPartition partition;
  private final Object progress = new Object();

  private KafkaProducer<String, String> producer;
  private KafkaConsumer<String, String> consumer;
  private Thread reader;
  private volatile boolean running;
  private long appliedUpTo; // next offset to apply; guarded by progress

  public SchemaStore(RegistryProperties properties) {
    this.properties = properties;
    this.partition = new TopicPartition(properties.kafka().topic(), 0);
  }

  /** What the log said so far, as this instance applied it. */
  public RegistryState state() {
    return state;
  }

  /**
   * Appends records in order and returns once this instance applied all of them.
   *
   * @throws StoreTimeoutException past {@code registry.write-timeout}
   * @throws StoreException when the broker refused the write
   */
  public void append(List<LogRecord> records) {
    long deadline = System.nanoTime() + properties.writeTimeout().toNanos();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (LogRecord record : records) {
      acks.add(
          producer.send(new ProducerRecord<>(partition.topic(), 0, record.key(), record.value())));
    }
    long last = -1;
    try {
      for (Future<RecordMetadata> ack : acks) {
        last = Math.max(last, ack.get(remaining(deadline), TimeUnit.NANOSECONDS).offset());
      }
    } catch (TimeoutException e) {
      throw new StoreTimeoutException(
          "Write to "
              + partition.topic()
              + " was not acknowledged within "
              + properties.writeTimeout());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        // The client gave up within max.block.ms (= write-timeout), e.g. no broker answering.
        throw new StoreTimeoutException(
            "Write to "
                + partition.topic()
                + " was not acknowledged within "
                + properties.writeTimeout()
                + ": "
                + e.getCause().getMessage());
      }
      throw new StoreException(
          "Write to " + partition.topic() + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("Interrupted while writing to " + partition.topic(), e);
    }
    if (!awaitApplied(last + 1, remaining(deadline))) {
      throw new StoreTimeoutException(
          "Write to "
              + partition.topic()
              + " was acknowledged but not read back within "
              + properties.writeTimeout());
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private boolean awaitApplied(long offset, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (progress) {
      while (appliedUpTo < offset) {
        long left = TimeUnit.NANOSECONDS.toMillis(remaining(deadline));
        if (left <= 0 || !running) {
          return false;
        }
        try {
          progress.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  @Override
  public void start() {
    Duration init = properties.initTimeout();
    ensureTopic(init);
    producer = new KafkaProducer<>(producerConfig());
    consumer = new KafkaConsumer<>(consumerConfig());
    long end;
    try {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      end = consumer.endOffsets(List.of(partition), init).get(partition);
    } catch (RuntimeException e) {
      consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      producer.close(CLOSE_TIMEOUT);
      throw new IllegalStateException("Could not find the end of " + partition.topic(), e);
    }
    running = true;
    reader = new Thread(this::readLoop, "schemas-reader-" + partition.topic());
    reader.setDaemon(true);
    reader.start();
    if (!awaitApplied(end, init.toNanos())) {
      stop();
      throw new IllegalStateException(
          "Could not read "
              + partition.topic()
              + " to its end (offset "
              + end
              + ") within "
              + init);
    }
    log.info("Read {} to offset {}; serving", partition.topic(), end);
  }

  private void readLoop() {
    while (running) {
      try {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.key() != null) {
            LogFormat.apply(state, record.key(), record.value());
          }
        }
        long position = consumer.position(partition);
        synchronized (progress) {
          appliedUpTo = position;
          progress.notifyAll();
        }
      } catch (WakeupException e) {
        // stop() asked us to leave the poll; the loop condition decides
      } catch (RuntimeException e) {
        log.error("Reading {} failed; retrying", partition.topic(), e);
        backOff();
      }
    }
    consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
  }

  private void backOff() {
    synchronized (progress) {
      try {
        progress.wait(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
    }
  }

  private void ensureTopic(Duration timeout) {
    String topic = partition.topic();
    Admin admin = Admin.create(commonConfig("admin"));
    try {
      if (!admin
          .listTopics()
          .names()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .contains(topic)) {
        NewTopic newTopic =
            new NewTopic(topic, 1, properties.kafka().replicationFactor())
                .configs(
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try {
          admin
              .createTopics(List.of(newTopic))
              .all()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          log.info("Created compacted topic {}", topic);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      TopicDescription description = describe(admin, topic, System.nanoTime() + timeout.toNanos());
      if (description.partitions().size() != 1) {
        throw new IllegalStateException(
            "Topic "
                + topic
                + " must have exactly one partition, has "
                + description.partitions().size());
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Could not create or describe topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating topic " + topic, e);
    } finally {
      // Without a bound, close() waits out the default API timeout for calls that timed out.
      admin.close(Duration.ofSeconds(1));
    }
  }

  /** A topic just created may take a moment to be known to the broker that answers. */
  private static TopicDescription describe(Admin admin, String topic, long deadline)
      throws ExecutionException, TimeoutException, InterruptedException {
    while (true) {
      try {
        return admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining(deadline))),
                TimeUnit.MILLISECONDS)
            .get(topic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || remaining(deadline) == 0) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
  }

  private Map<String, Object> commonConfig(String role) {
    Map<String, Object> config = new HashMap<>(properties.kafka().properties());
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers());
    config.put(
        CommonClientConfigs.CLIENT_ID_CONFIG, "schema-registry-" + role + "-" + UUID.randomUUID());
    return config;
  }

  private Map<String, Object> producerConfig() {
    Map<String, Object> config = commonConfig("writer");
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, properties.writeTimeout().toMillis());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    return config;
  }

  private Map<String, Object> consumerConfig() {
    Map<String, Object> config = commonConfig("reader");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    return config;
  }

  @Override
  public void stop() {
    if (!running && reader == null) {
      return;
    }
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (reader != null) {
      try {
        reader.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      reader = null;
    }
    if (producer != null) {
      producer.close(CLOSE_TIMEOUT);
      producer = null;
    }
    synchronized (progress) {
      progress.notifyAll();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Before the web server (which starts late and stops early), so nothing is served unread. */
  @Override
  public int getPhase() {
    return 0;
  }
}
