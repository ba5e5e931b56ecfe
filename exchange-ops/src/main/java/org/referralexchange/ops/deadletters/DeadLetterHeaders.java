package org.referralexchange.ops.deadletters;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.referralexchange.ops.redaction.Redaction;
import org.referralexchange.schemas.Topics;

/**
 * The reason headers a dead letter carries, from either writer in the exchange:
 *
 * <ul>
 *   <li>the exchange's own ({@code kafka-support}'s {@code DeadLetterWriter}, the adapter's and the
 *       notifier's workers): {@code exchange-dlt-reason}, {@code -cause}, {@code -message}, {@code
 *       -channel}, {@code -original-topic}, {@code -original-partition}, {@code -original-offset},
 *       all UTF-8 text;
 *   <li>Spring Kafka's {@code DeadLetterPublishingRecoverer}: {@code kafka_dlt-original-topic},
 *       {@code kafka_dlt-original-partition} (4-byte int), {@code kafka_dlt-original-offset}
 *       (8-byte long), {@code kafka_dlt-exception-fqcn}, {@code kafka_dlt-exception-cause-fqcn},
 *       {@code kafka_dlt-exception-message}.
 * </ul>
 *
 * Messages are shown only through {@link Redaction#mask}; stack traces ({@code
 * kafka_dlt-exception-stacktrace}) are never shown.
 */
public final class DeadLetterHeaders {

  /** Header added to a replayed record: {@code <dead-letter topic>/<partition>/<offset>}. */
  public static final String REPLAYED_FROM = "exchange-replayed-from";

  static final String EXCHANGE_PREFIX = "exchange-dlt-";
  static final String SPRING_PREFIX = "kafka_dlt-";

  private static final List<String> MESSAGES =
      List.of("exchange-dlt-message", "kafka_dlt-exception-message");
  private static final List<String> SHOWN =
      List.of(
          "exchange-dlt-reason",
          "exchange-dlt-cause",
          "exchange-dlt-channel",
          "kafka_dlt-exception-fqcn",
          "kafka_dlt-exception-cause-fqcn",
          REPLAYED_FROM);

  private final Headers headers;

  public DeadLetterHeaders(Headers headers) {
    this.headers = headers;
  }

  /** Whether a header was written by a dead-letter writer (and so is not replayed). */
  public static boolean isDeadLetterHeader(String name) {
    return name.startsWith(EXCHANGE_PREFIX) || name.startsWith(SPRING_PREFIX);
  }

  /** The topic the record was first written to: from the headers, else the DLT name's stem. */
  public String originalTopic(String deadLetterTopic) {
    return text("exchange-dlt-original-topic")
        .or(() -> text("kafka_dlt-original-topic"))
        .orElseGet(() -> sourceOf(deadLetterTopic));
  }

  /** The dead-letter topic's source topic by name: the name without {@code -dlt}. */
  public static String sourceOf(String deadLetterTopic) {
    return deadLetterTopic.endsWith(Topics.DEAD_LETTER_SUFFIX)
        ? deadLetterTopic.substring(
            0, deadLetterTopic.length() - Topics.DEAD_LETTER_SUFFIX.length())
        : deadLetterTopic;
  }

  /** Where the record was first written, {@code topic/partition@offset}, as far as known. */
  public Optional<String> origin() {
    Optional<String> topic =
        text("exchange-dlt-original-topic").or(() -> text("kafka_dlt-original-topic"));
    if (topic.isEmpty()) {
      return Optional.empty();
    }
    String partition =
        text("exchange-dlt-original-partition")
            .or(() -> number("kafka_dlt-original-partition"))
            .orElse("?");
    String offset =
        text("exchange-dlt-original-offset")
            .or(() -> number("kafka_dlt-original-offset"))
            .orElse("?");
    return Optional.of(topic.get() + "/" + partition + "@" + offset);
  }

  /** The reason headers, as printable {@code name=value} pairs; messages masked. */
  public Map<String, String> reasons() {
    Map<String, String> reasons = new LinkedHashMap<>();
    for (String name : SHOWN) {
      text(name).ifPresent(v -> reasons.put(name, Redaction.printable(v)));
    }
    for (String name : MESSAGES) {
      text(name).ifPresent(v -> reasons.put(name, "\"" + Redaction.mask(v) + "\""));
    }
    return reasons;
  }

  /**
   * Names of headers neither shown as reasons nor read for the origin; their values are not shown.
   */
  public List<String> otherHeaderNames() {
    List<String> names = new ArrayList<>();
    for (Header header : headers) {
      String name = header.key();
      if (!SHOWN.contains(name) && !isDeadLetterHeader(name) && !names.contains(name)) {
        names.add(Redaction.printable(name));
      }
    }
    return names;
  }

  /** The last value of a header as UTF-8 text. */
  public Optional<String> text(String name) {
    Header header = headers.lastHeader(name);
    return header == null || header.value() == null
        ? Optional.empty()
        : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
  }

  /**
   * Spring Kafka writes the original partition and offset as big-endian binary numbers; older
   * writers and ours write text. Digits are read as text, 4 or 8 other bytes as a number.
   */
  private Optional<String> number(String name) {
    Header header = headers.lastHeader(name);
    if (header == null || header.value() == null) {
      return Optional.empty();
    }
    byte[] value = header.value();
    String asText = new String(value, StandardCharsets.US_ASCII);
    if (!asText.isEmpty() && asText.chars().allMatch(Character::isDigit)) {
      return Optional.of(asText);
    }
    if (value.length == Integer.BYTES) {
      return Optional.of(Integer.toString(ByteBuffer.wrap(value).getInt()));
    }
    if (value.length == Long.BYTES) {
      return Optional.of(Long.toString(ByteBuffer.wrap(value).getLong()));
    }
    return Optional.of("?");
  }
}
