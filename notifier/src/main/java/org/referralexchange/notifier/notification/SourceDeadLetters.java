package org.referralexchange.notifier.notification;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.kafka.ExchangeKafkaProperties;
import org.referralexchange.kafka.streams.DeadLetters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * The source event of a notification that failed for good, to its topic's dead-letter topic: read
 * back byte for byte from where the command says it was read (the command does not carry it: a
 * status's reason text may name the client, and is not copied onto another topic), with {@code
 * exchange-dlt-reason=notification-failed}, {@code exchange-dlt-channel}, {@code
 * exchange-dlt-cause}, {@code exchange-dlt-message} and the original topic, partition and offset.
 * The failure itself is recorded on {@code notifications}; this is the operator's copy, written at
 * least once.
 */
@Component
class SourceDeadLetters implements DisposableBean {

  static final String NOTIFICATION_FAILED = "notification-failed";
  static final String CHANNEL = "exchange-dlt-channel";

  private static final Logger log = LoggerFactory.getLogger(SourceDeadLetters.class);

  private final KafkaProperties kafka;
  private final ExchangeKafkaProperties exchange;
  private final DefaultKafkaProducerFactory<byte[], byte[]> producers;
  private final KafkaTemplate<byte[], byte[]> template;
  private final NotificationCounts counts;

  SourceDeadLetters(
      KafkaProperties kafka, ExchangeKafkaProperties exchange, NotificationCounts counts) {
    this.kafka = kafka;
    this.exchange = exchange;
    Map<String, Object> config = new java.util.HashMap<>(kafka.buildProducerProperties());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    this.producers =
        new DefaultKafkaProducerFactory<>(
            config, new ByteArraySerializer(), new ByteArraySerializer());
    this.template = new KafkaTemplate<>(producers);
    this.counts = counts;
  }

  void deadLetter(NotificationRequested due, RuntimeException cause) {
    TopicPartition from = new TopicPartition(due.getSourceTopic(), due.getSourcePartition());
    try {
      ConsumerRecord<byte[], byte[]> source = read(from, due.getSourceOffset());
      DeadLetters.Why why =
          new DeadLetters.Why(
              NOTIFICATION_FAILED,
              cause.getClass().getSimpleName(),
              String.valueOf(cause.getMessage()),
              NOTIFICATION_FAILED);
      ProducerRecord<byte[], byte[]> record =
          DeadLetters.record(
              why, from, source.offset(), source.key(), source.value(), source.headers());
      record.headers().add(CHANNEL, due.getChannel().name().getBytes(StandardCharsets.UTF_8));
      template.send(record).get(exchange.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
      counts.deadLettered(due.getSourceTopic());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.error("Could not write the dead letter: {}", e.getClass().getSimpleName());
    }
  }

  private ConsumerRecord<byte[], byte[]> read(TopicPartition from, long offset) {
    Map<String, Object> config = new java.util.HashMap<>(kafka.buildConsumerProperties());
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    try (Consumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(from));
      consumer.seek(from, offset);
      long until = System.nanoTime() + exchange.publishTimeout().toNanos();
      while (System.nanoTime() < until) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() == offset) {
            return record;
          }
        }
      }
    }
    throw new IllegalStateException("source event not read back in time");
  }

  @Override
  public void destroy() {
    producers.reset();
  }
}
