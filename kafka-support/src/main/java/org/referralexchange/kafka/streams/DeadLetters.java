package org.referralexchange.kafka.streams;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.referralexchange.schemas.Topics;

/**
 * The one place dead-letter records are made: the original key and value byte for byte, its
 * headers, and why, in {@code exchange-dlt-reason} ({@link #UNDECODABLE}, {@link #INVALID_CONTENT}
 * or {@link #RETRIES_EXHAUSTED}), {@code exchange-dlt-cause} (the exception's class, or the
 * refusing policy's code), {@code exchange-dlt-message} and {@code exchange-dlt-original-topic},
 * {@code -partition}, {@code -offset} (which also tell repeated copies apart). Each record written
 * counts in {@code exchange.dead_letters}, tagged by topic and reason.
 */
public final class DeadLetters {

  public static final String REASON = "exchange-dlt-reason";
  public static final String CAUSE = "exchange-dlt-cause";
  public static final String MESSAGE = "exchange-dlt-message";
  public static final String ORIGINAL_TOPIC = "exchange-dlt-original-topic";
  public static final String ORIGINAL_PARTITION = "exchange-dlt-original-partition";
  public static final String ORIGINAL_OFFSET = "exchange-dlt-original-offset";

  /** The bytes are not a record of the topic's schema. */
  public static final String UNDECODABLE = "undecodable";

  /** The record decoded but cannot be true; the cause is the refusing policy's code. */
  public static final String INVALID_CONTENT = "invalid-content";

  /** A listener kept failing on a well-formed record until its backoff policy gave up. */
  public static final String RETRIES_EXHAUSTED = "retries-exhausted";

  private final MeterRegistry meters;

  public DeadLetters(MeterRegistry meters) {
    this.meters = meters;
  }

  /**
   * Why a record is dead-lettered.
   *
   * @param counted the {@code reason} tag of {@code exchange.dead_letters}: the cause's simple
   *     class name, or the policy's code
   */
  public record Why(String reason, String cause, String message, String counted) {

    /** Bytes no reader could decode; the deserializer's exception says why. */
    public static Why undecodable(Throwable failure) {
      Throwable cause = unwrapDeserialization(failure);
      return new Why(
          UNDECODABLE,
          cause.getClass().getName(),
          String.valueOf(cause.getMessage()),
          cause.getClass().getSimpleName());
    }

    /**
     * A record that decoded but a policy refused.
     *
     * @param policy the refusing policy's stable code, e.g. {@code referral-closed}
     * @param reason what was wrong, in codes and statuses only (it goes into a header)
     */
    public static Why refused(String policy, String reason) {
      return new Why(INVALID_CONTENT, policy, reason, policy);
    }

    /**
     * A listener that failed until its backoff gave up. The exception's message is left out: a
     * listener's exception may quote client data, which must not reach a header.
     */
    public static Why retriesExhausted(Throwable failure) {
      return new Why(
          RETRIES_EXHAUSTED,
          failure.getClass().getName(),
          "retries exhausted: " + failure.getClass().getSimpleName(),
          failure.getClass().getSimpleName());
    }

    /** The why of any failure a recoverer is handed, unwrapping the framework's wrappers. */
    public static Why of(Throwable failure) {
      Throwable cause = failure;
      while (cause.getCause() != null
          && cause instanceof org.springframework.kafka.KafkaException
          && !(cause
              instanceof org.springframework.kafka.support.serializer.DeserializationException)) {
        cause = cause.getCause();
      }
      if (cause instanceof ContentRefusedException refused) {
        return refused(refused.policy(), refused.reason());
      }
      if (cause instanceof SerializationException
          || cause
              instanceof org.springframework.kafka.support.serializer.DeserializationException) {
        return undecodable(cause);
      }
      return retriesExhausted(cause);
    }

    private static Throwable unwrapDeserialization(Throwable failure) {
      boolean wrapper =
          failure instanceof RecordDeserializationException
              || failure
                  instanceof org.springframework.kafka.support.serializer.DeserializationException;
      return wrapper && failure.getCause() != null ? failure.getCause() : failure;
    }
  }

  /** The dead-letter topic of a topic. */
  public static String topicFor(String topic) {
    return topic + Topics.DEAD_LETTER_SUFFIX;
  }

  /** The headers that say why and where from, in this order, after any original headers. */
  public static Headers headers(Why why, TopicPartition from, long offset) {
    Headers headers = new RecordHeaders();
    add(headers, REASON, why.reason());
    add(headers, CAUSE, why.cause());
    add(headers, MESSAGE, why.message());
    add(headers, ORIGINAL_TOPIC, from.topic());
    add(headers, ORIGINAL_PARTITION, Integer.toString(from.partition()));
    add(headers, ORIGINAL_OFFSET, Long.toString(offset));
    return headers;
  }

  /**
   * The dead-letter record of one record: its key and value as they were, its own headers, then
   * why. The partition is left to the key, as the original's was.
   */
  public static ProducerRecord<byte[], byte[]> record(
      Why why,
      TopicPartition from,
      long offset,
      byte[] key,
      byte[] value,
      Iterable<Header> original) {
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topicFor(from.topic()), key, value);
    if (original != null) {
      for (Header header : original) {
        record.headers().add(header);
      }
    }
    for (Header header : headers(why, from, offset)) {
      record.headers().add(header);
    }
    return record;
  }

  /** Counts a dead-letter record the broker acknowledged. */
  public void written(String fromTopic, Why why) {
    meters
        .counter("exchange.dead_letters", "topic", fromTopic, "reason", why.counted())
        .increment();
  }

  /** Counts an acknowledged dead-letter record from its headers. */
  void written(String fromTopic, Headers headers) {
    String reason = text(headers.lastHeader(REASON));
    String cause = text(headers.lastHeader(CAUSE));
    String counted =
        UNDECODABLE.equals(reason) || RETRIES_EXHAUSTED.equals(reason)
            ? cause.substring(Math.max(cause.lastIndexOf('.'), cause.lastIndexOf('$')) + 1)
            : cause;
    meters.counter("exchange.dead_letters", "topic", fromTopic, "reason", counted).increment();
  }

  private static String text(Header header) {
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static void add(Headers headers, String name, String value) {
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
