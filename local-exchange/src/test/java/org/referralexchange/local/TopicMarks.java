package org.referralexchange.local;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;

/**
 * Marks where every topic of the exchange ends, and reads back what was written about one referral
 * since a mark: how a test shows that a refused request changed nothing on Kafka. A record is about
 * a referral when its key or value holds the referral id (every event is keyed by it and carries
 * it).
 */
final class TopicMarks implements AutoCloseable {

  private final String bootstrapServers;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions = new ArrayList<>();

  TopicMarks(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
    consumer = newConsumer();
    for (TopicSpec topic : Topics.ALL) {
      for (int p = 0; p < topic.partitions(); p++) {
        partitions.add(new TopicPartition(topic.name(), p));
      }
    }
    // Assigned, never polled: asking for end offsets of unassigned partitions warns each time.
    consumer.assign(partitions);
  }

  private KafkaConsumer<byte[], byte[]> newConsumer() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
  }

  /** Where every partition ends now. */
  Map<TopicPartition, Long> mark() {
    return consumer.endOffsets(partitions, Duration.ofSeconds(30));
  }

  /** The records about {@code referralId} written since {@code mark}, as {@code topic-p@offset}. */
  List<String> aboutSince(String referralId, Map<TopicPartition, Long> mark) {
    return about(referralId, mark, null);
  }

  /** Whether {@code topic} holds a record about {@code referralId}, from its beginning. */
  boolean has(TopicSpec topic, String referralId) {
    Map<TopicPartition, Long> start = new java.util.HashMap<>();
    for (TopicPartition partition : partitions) {
      start.put(partition, 0L);
    }
    return !about(referralId, start, topic.name()).isEmpty();
  }

  /** One reader per read, so no read inherits another's assignment or positions. */
  private List<String> about(String referralId, Map<TopicPartition, Long> from, String onlyTopic) {
    List<TopicPartition> read =
        partitions.stream().filter(p -> onlyTopic == null || p.topic().equals(onlyTopic)).toList();
    List<String> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> reader = newConsumer()) {
      reader.assign(read); // before asking for end offsets, which warns for unassigned partitions
      Map<TopicPartition, Long> end = reader.endOffsets(read, Duration.ofSeconds(30));
      for (TopicPartition partition : read) {
        reader.seek(partition, from.getOrDefault(partition, 0L));
      }
      byte[] id = referralId.getBytes(StandardCharsets.UTF_8);
      Instant deadline = Instant.now().plusSeconds(60);
      while (read.stream().anyMatch(p -> reader.position(p) < end.get(p))) {
        if (Instant.now().isAfter(deadline)) {
          throw new AssertionError("Could not read the topics to their end within 60 s");
        }
        for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(500))) {
          if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))
              && (contains(record.key(), id) || contains(record.value(), id))) {
            found.add(record.topic() + "-" + record.partition() + "@" + record.offset());
          }
        }
      }
    }
    return found;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    if (haystack == null) {
      return false;
    }
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
