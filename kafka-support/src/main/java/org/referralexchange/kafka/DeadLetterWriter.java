package org.referralexchange.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.referralexchange.kafka.streams.DeadLetters;
import org.referralexchange.schemas.Topics;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/**
 * Writes a record that could not be decoded, or that decoded but cannot be true, to its topic's
 * dead-letter topic, byte for byte as it was, with why in the headers: {@code exchange-dlt-reason}
 * ({@code undecodable} or {@code invalid-content}), {@code exchange-dlt-cause} (the exception's
 * class, or the refusing policy's code), {@code exchange-dlt-message} and where it came from
 * ({@code exchange-dlt-original-topic}, {@code -partition}, {@code -offset}, which also tell
 * repeated copies apart).
 *
 * <p>Each record written counts in {@code exchange.dead_letters}, tagged by the topic it came from
 * and the simple class name of the cause or the policy's code ({@code reason}), for operators to
 * alert on.
 */
public class DeadLetterWriter implements DisposableBean {

  private final KafkaProperties kafka;
  private final MeterRegistry meters;
  private volatile KafkaProducer<byte[], byte[]> producer;

  public DeadLetterWriter(KafkaProperties kafka, MeterRegistry meters) {
    this.kafka = kafka;
    this.meters = meters;
  }

  /** Where each dead-letter topic's records came from, read once per topic. */
  private final Map<String, java.util.Set<String>> written =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Writes the undecodable record and waits for the broker's acknowledgement, unless an earlier run
   * already did (every start reads the log from the beginning and meets the record again).
   */
  public void write(RecordDeserializationException bad) throws Exception {
    Throwable cause = bad.getCause() == null ? bad : bad.getCause();
    write(
        bad.topicPartition(),
        bad.offset(),
        bytes(bad.keyBuffer()),
        bytes(bad.valueBuffer()),
        bad.headers(),
        "undecodable",
        cause.getClass().getName(),
        String.valueOf(cause.getMessage()),
        cause.getClass().getSimpleName());
  }

  /**
   * Writes a record that decoded but cannot be true (reason {@code invalid-content}), byte for byte
   * as it is on its topic, with the refusing policy's code as its cause and the policy's PII-free
   * reason as its message; unless an earlier run already did.
   *
   * @param policy the refusing policy's stable name, e.g. {@code referral-closed}
   * @param reason what was wrong, in codes and statuses only (it goes into a header)
   */
  public void writeRefused(TopicPartition partition, long offset, String policy, String reason)
      throws Exception {
    String topic = partition.topic() + Topics.DEAD_LETTER_SUFFIX;
    if (written.computeIfAbsent(topic, this::originsIn).contains(partition + "@" + offset)) {
      return;
    }
    ConsumerRecord<byte[], byte[]> original = readAt(partition, offset);
    write(
        partition,
        offset,
        original.key(),
        original.value(),
        original.headers(),
        INVALID_CONTENT,
        policy,
        reason,
        policy);
  }

  /** The reason header of a record that decoded but cannot be true. */
  public static final String INVALID_CONTENT = DeadLetters.INVALID_CONTENT;

  private void write(
      TopicPartition from,
      long offset,
      byte[] key,
      byte[] value,
      Iterable<Header> headers,
      String reason,
      String cause,
      String message,
      String counted)
      throws Exception {
    String topic = from.topic() + Topics.DEAD_LETTER_SUFFIX;
    String origin = from + "@" + offset;
    java.util.Set<String> known = written.computeIfAbsent(topic, this::originsIn);
    if (known.contains(origin)) {
      return;
    }
    // Headers are defined once, in DeadLetters, for this writer and the Streams foundation alike.
    ProducerRecord<byte[], byte[]> record =
        DeadLetters.record(
            new DeadLetters.Why(reason, cause, message, counted),
            from,
            offset,
            key,
            value,
            headers);
    producer().send(record).get(30, TimeUnit.SECONDS);
    known.add(origin);
    meters.counter("exchange.dead_letters", "topic", from.topic(), "reason", counted).increment();
  }

  /** The record at {@code offset} of a partition, as bytes. */
  private ConsumerRecord<byte[], byte[]> readAt(TopicPartition partition, long offset)
      throws java.util.concurrent.TimeoutException {
    Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
    config.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG);
    config.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    try (var consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(
            config,
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      consumer.assign(java.util.List.of(partition));
      consumer.seek(partition, offset);
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record :
            consumer.poll(java.time.Duration.ofMillis(200))) {
          if (record.offset() == offset) {
            return record;
          }
        }
      }
    }
    throw new java.util.concurrent.TimeoutException(
        "could not read " + partition + "@" + offset + " within 30 s");
  }

  /** The origins (topic-partition@offset) of the records already in a dead-letter topic. */
  private java.util.Set<String> originsIn(String deadLetterTopic) {
    java.util.Set<String> origins = java.util.concurrent.ConcurrentHashMap.newKeySet();
    Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
    config.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG);
    config.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (var consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(
            config,
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      var partitions =
          consumer.partitionsFor(deadLetterTopic, java.time.Duration.ofSeconds(10)).stream()
              .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
          && System.nanoTime() < deadline) {
        for (var record : consumer.poll(java.time.Duration.ofMillis(200))) {
          String topic = text(record.headers().lastHeader("exchange-dlt-original-topic"));
          String partition = text(record.headers().lastHeader("exchange-dlt-original-partition"));
          String offset = text(record.headers().lastHeader("exchange-dlt-original-offset"));
          if (topic != null && partition != null && offset != null) {
            origins.add(topic + "-" + partition + "@" + offset);
          }
        }
      }
    }
    return origins;
  }

  private static String text(Header header) {
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  private KafkaProducer<byte[], byte[]> producer() {
    KafkaProducer<byte[], byte[]> current = producer;
    if (current == null) {
      synchronized (this) {
        if (producer == null) {
          Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
          config.put(ProducerConfig.ACKS_CONFIG, "all");
          config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
          config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
          producer =
              new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        }
        current = producer;
      }
    }
    return current;
  }

  @Override
  public void destroy() {
    KafkaProducer<byte[], byte[]> current = producer;
    if (current != null) {
      current.close();
    }
  }
}
