package org.referralexchange.ops.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.referralexchange.ops.cli.OpsSettings;

/**
 * Reads whole topics as raw bytes, every partition from its beginning to where it ended when the
 * read started, without a consumer group: nothing is committed and no service's group is touched.
 * That is a full scan, acceptable for an operator's occasional question, not for a hot path.
 */
public final class TopicReader {

  private final OpsSettings settings;

  public TopicReader(OpsSettings settings) {
    this.settings = settings;
  }

  /** The topics of {@code wanted} that exist on the cluster, in the given order. */
  public List<String> existing(Collection<String> wanted) {
    try (KafkaConsumer<byte[], byte[]> consumer = open()) {
      Set<String> present = consumer.listTopics(settings.timeout()).keySet();
      return wanted.stream().filter(present::contains).toList();
    }
  }

  /**
   * Hands every record of {@code topics} (those that exist) to {@code each}, partition by
   * partition.
   */
  public void readAll(Collection<String> topics, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    try (KafkaConsumer<byte[], byte[]> consumer = open()) {
      Set<String> present = consumer.listTopics(settings.timeout()).keySet();
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        if (present.contains(topic)) {
          for (PartitionInfo info : consumer.partitionsFor(topic, settings.timeout())) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
          }
        }
      }
      read(consumer, partitions, Map.of(), each);
    }
  }

  /** Hands the record at {@code offset} of one partition to {@code each}, if it is there. */
  public void readOne(
      TopicPartition partition, long offset, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    try (KafkaConsumer<byte[], byte[]> consumer = open()) {
      read(
          consumer,
          List.of(partition),
          Map.of(partition, offset),
          record -> {
            if (record.offset() == offset) {
              each.accept(record);
            }
          });
    }
  }

  private void read(
      KafkaConsumer<byte[], byte[]> consumer,
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> from,
      Consumer<ConsumerRecord<byte[], byte[]>> each) {
    if (partitions.isEmpty()) {
      return;
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    from.forEach(consumer::seek);
    Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
    while (!end.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "reading " + end.keySet() + " did not reach the end within " + settings.timeout());
      }
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        Long stop = end.get(new TopicPartition(record.topic(), record.partition()));
        if (stop != null && record.offset() < stop) {
          each.accept(record);
        }
      }
      end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      consumer.pause(partitions.stream().filter(p -> !end.containsKey(p)).toList());
    }
  }

  private KafkaConsumer<byte[], byte[]> open() {
    Map<String, Object> config = new HashMap<>(settings.clientConfig());
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "exchange-ops-" + UUID.randomUUID());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) settings.timeout().toMillis());
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
