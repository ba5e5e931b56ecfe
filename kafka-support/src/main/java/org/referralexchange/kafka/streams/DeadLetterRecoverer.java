package org.referralexchange.kafka.streams;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.SendResult;

/**
 * Spring Kafka's recoverer writing {@link DeadLetters}' records: to {@code <topic>-dlt}, same
 * partition, the original bytes and headers, and only the {@code exchange-dlt-*} headers (Spring's
 * {@code kafka_dlt-*} ones are switched off: one vocabulary for operators and exchange-ops). Used
 * by the Streams deserialization handler and by listener containers' error handlers alike. Waits
 * for the broker's acknowledgement and counts the record only then.
 */
public class DeadLetterRecoverer extends DeadLetterPublishingRecoverer implements DisposableBean {

  private final DeadLetters deadLetters;
  private final ProducerFactory<?, ?> producers;

  /**
   * A recoverer with a producer of its own: idempotent, {@code acks=all}, with the service's
   * connection and security settings ({@code spring.kafka.*}), writing keys and values with {@link
   * DeadLetterSerializer}.
   */
  public static DeadLetterRecoverer create(
      KafkaProperties kafka, SchemaRegistryClient registry, DeadLetters deadLetters) {
    Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
    config.put(SerdeConfig.USE_LATEST_VERSION, true);
    AvroSerializer<SpecificRecord> events = new AvroSerializer<>(registry);
    events.configure(config, false);
    DefaultKafkaProducerFactory<Object, Object> producers =
        new DefaultKafkaProducerFactory<>(
            config, new DeadLetterSerializer(events), new DeadLetterSerializer(events));
    return new DeadLetterRecoverer(new KafkaTemplate<>(producers), producers, deadLetters);
  }

  DeadLetterRecoverer(
      KafkaOperations<?, ?> template, ProducerFactory<?, ?> producers, DeadLetters deadLetters) {
    super(
        template,
        (record, failure) ->
            new TopicPartition(DeadLetters.topicFor(record.topic()), record.partition()));
    this.deadLetters = deadLetters;
    this.producers = producers;
    excludeHeader(HeaderNames.HeadersToAdd.values());
    setHeadersFunction(
        (record, failure) ->
            DeadLetters.headers(
                DeadLetters.Why.of(failure),
                new TopicPartition(record.topic(), record.partition()),
                record.offset()));
  }

  @Override
  protected void verifySendResult(
      KafkaOperations<Object, Object> template,
      ProducerRecord<Object, Object> outRecord,
      CompletableFuture<SendResult<Object, Object>> sendResult,
      ConsumerRecord<?, ?> inRecord) {
    super.verifySendResult(template, outRecord, sendResult, inRecord);
    deadLetters.written(inRecord.topic(), outRecord.headers());
  }

  @Override
  public void destroy() {
    producers.reset();
  }
}
