package org.referralexchange.ops.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.referralexchange.ops.cli.OpsSettings;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerdeException;
import org.referralexchange.serde.SerdeConfig;

/**
 * Decodes a record value with the writer's schema from the registry (as a {@code GenericRecord}, so
 * any version decodes) and keeps only what an operator may see: the event type, its ids and the
 * status-like fields listed in {@link #SAFE_FIELDS}. Everything else in the payload, client
 * identity and narrative above all, is dropped here and never reaches a print statement.
 */
public final class EventDecoder {

  /**
   * Per event type, the fields that carry no personal data: states, codes, provider ids, counts.
   * Free text (reason text, outcome descriptions, notification details) is left out on purpose.
   */
  static final Map<String, List<String>> SAFE_FIELDS =
      Map.of(
          "ReferralSubmitted", List.of("priority"),
          "ReferralStatusChanged", List.of("status", "reason.code", "providerId", "actor.role"),
          "ReferralDelivered", List.of("providerId", "attempts"),
          "ReferralOverdue", List.of("stage", "overdueByMillis", "providerId"),
          "NotificationRecorded", List.of("channel", "outcome", "topic", "sourceEventId"),
          // reason is the lifecycle policy's words (statuses, codes), never the provider's text
          "ProviderReportRefused",
              List.of(
                  "providerId",
                  "providerReference",
                  "sourceVersion",
                  "reportedStatus",
                  "currentStatus",
                  "policy",
                  "reason"));

  private final AvroDeserializer<Object> values = new AvroDeserializer<>();

  public EventDecoder(OpsSettings settings) {
    Map<String, Object> config = new HashMap<>(settings.clientConfig());
    config.put(SerdeConfig.SPECIFIC_AVRO_READER, false);
    values.configure(config, false);
  }

  /** What may be shown of a value, or why it does not decode (a class name, never the bytes). */
  public Decoded decode(String topic, byte[] value) {
    if (value == null) {
      return Decoded.failed("null value (tombstone)");
    }
    Object decoded;
    try {
      decoded = values.deserialize(topic, value);
    } catch (AvroSerdeException e) {
      return Decoded.failed(
          e.isTransient() ? "registry unreachable" : e.getClass().getSimpleName());
    } catch (RuntimeException e) {
      return Decoded.failed(e.getClass().getSimpleName());
    }
    if (!(decoded instanceof GenericRecord record)) {
      return Decoded.failed("not a record");
    }
    String type = record.getSchema().getName();
    Map<String, String> fields = new LinkedHashMap<>();
    for (String path : SAFE_FIELDS.getOrDefault(type, List.of())) {
      field(record, path).ifPresent(v -> fields.put(path, v));
    }
    if (record.getSchema().getField("outcome") != null
        && record.get("outcome") instanceof GenericRecord) {
      fields.put("outcome", "recorded");
    }
    return new Decoded(
        Optional.of(type),
        field(record, "eventId"),
        field(record, "referralId"),
        fields,
        Optional.empty());
  }

  /** A field by dotted path, as text; empty when absent or null. */
  static Optional<String> field(GenericRecord record, String path) {
    Object current = record;
    for (String name : path.split("\\.")) {
      if (!(current instanceof GenericRecord nested)) {
        return Optional.empty();
      }
      Schema.Field field = nested.getSchema().getField(name);
      if (field == null) {
        return Optional.empty();
      }
      current = nested.get(field.pos());
    }
    if (current == null || current instanceof GenericRecord) {
      return Optional.empty();
    }
    return Optional.of(current.toString());
  }

  /**
   * What may be shown of one value.
   *
   * @param type the event type (the record's schema name), empty when undecodable
   * @param eventId the event's id
   * @param referralId the referral it is about, for events that name one
   * @param fields status-like fields by name, from {@link #SAFE_FIELDS}
   * @param failure why the value does not decode, as an exception class name
   */
  public record Decoded(
      Optional<String> type,
      Optional<String> eventId,
      Optional<String> referralId,
      Map<String, String> fields,
      Optional<String> failure) {

    static Decoded failed(String why) {
      return new Decoded(
          Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.of(why));
    }

    /** One line of {@code name=value} words: type, ids, then the fields. */
    public String summary() {
      if (failure.isPresent()) {
        return "undecodable (" + failure.get() + ")";
      }
      List<String> words = new ArrayList<>();
      words.add(type.orElse("?"));
      eventId.ifPresent(id -> words.add("eventId=" + id));
      referralId.ifPresent(id -> words.add("referralId=" + id));
      fields.forEach((name, value) -> words.add(name + "=" + value));
      return String.join(" ", words);
    }
  }
}
