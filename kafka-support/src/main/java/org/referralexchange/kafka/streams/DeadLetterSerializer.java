package org.referralexchange.kafka.streams;

import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroSerializer;

/**
 * Writes a dead-letter record's key or value: bytes as they are (what a Streams handler and
 * Spring's {@code ErrorHandlingDeserializer} hand over), strings in UTF-8, and a decoded event as
 * the services write it to its original topic (that topic's latest schema, so the same bytes
 * whenever the original was written with it): a listener container has no raw bytes of a record it
 * decoded.
 */
final class DeadLetterSerializer implements Serializer<Object> {

  private final AvroSerializer<SpecificRecord> events;

  DeadLetterSerializer(AvroSerializer<SpecificRecord> events) {
    this.events = events;
  }

  @Override
  public byte[] serialize(String topic, Object data) {
    if (data == null || data instanceof byte[]) {
      return (byte[]) data;
    }
    if (data instanceof String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
    if (data instanceof SpecificRecord event) {
      return events.serialize(originalTopic(topic), event);
    }
    throw new org.apache.kafka.common.errors.SerializationException(
        "Cannot dead-letter a " + data.getClass().getName() + " to " + topic);
  }

  private static String originalTopic(String deadLetterTopic) {
    return deadLetterTopic.endsWith(Topics.DEAD_LETTER_SUFFIX)
        ? deadLetterTopic.substring(
            0, deadLetterTopic.length() - Topics.DEAD_LETTER_SUFFIX.length())
        : deadLetterTopic;
  }
}
