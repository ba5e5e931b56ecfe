package org.referralexchange.ops.trace;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.referralexchange.ops.cli.OpsSettings;
import org.referralexchange.ops.deadletters.DeadLetterHeaders;
import org.referralexchange.ops.kafka.EventDecoder;
import org.referralexchange.ops.kafka.TopicReader;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;

/**
 * {@code trace <referralId>}: every event about one referral on the referral topics and their
 * dead-letter topics, in time order, showing states and ids only.
 *
 * <p>A record belongs to the referral when its key is the referral id (the referral topics are
 * keyed by it) or its decoded {@code referralId} is. Every partition is scanned from the beginning:
 * a full read of six topics and their dead letters, fine for an operator's question, not something
 * to run in a loop. Only values that contain the id's bytes are decoded (Avro writes strings as
 * plain UTF-8), so the scan does not decode every event.
 */
public final class TraceCommand {

  /** The topics keyed by referral id, in the order a referral moves through them. */
  public static final List<TopicSpec> REFERRAL_TOPICS =
      List.of(
          Topics.REFERRAL_SUBMITTED,
          Topics.REFERRAL_DELIVERED,
          Topics.REFERRAL_STATUS_CHANGED,
          Topics.REFERRAL_OVERDUE,
          Topics.REFERRAL_REPORT_REFUSED,
          Topics.NOTIFICATIONS);

  private final OpsSettings settings;
  private final PrintWriter out;

  public TraceCommand(OpsSettings settings, PrintWriter out) {
    this.settings = settings;
    this.out = out;
  }

  /** Prints the referral's events; returns 0 when there are any, 1 when none. */
  public int run(String referralId) {
    List<String> topics = new ArrayList<>();
    for (TopicSpec topic : REFERRAL_TOPICS) {
      topics.add(topic.name());
      topics.add(topic.deadLetterTopic());
    }
    byte[] id = referralId.getBytes(StandardCharsets.UTF_8);
    EventDecoder decoder = new EventDecoder(settings);
    List<Entry> entries = new ArrayList<>();
    new TopicReader(settings)
        .readAll(
            topics,
            record -> {
              boolean keyed = record.key() != null && java.util.Arrays.equals(record.key(), id);
              if (!keyed && !contains(record.value(), id)) {
                return;
              }
              String source = DeadLetterHeaders.sourceOf(record.topic());
              EventDecoder.Decoded decoded = decoder.decode(source, record.value());
              boolean named = decoded.referralId().map(referralId::equals).orElse(false);
              if (keyed || named) {
                entries.add(
                    new Entry(record, decoded, keyed && !named && decoded.failure().isEmpty()));
              }
            });
    entries.sort(
        Comparator.comparingLong((Entry e) -> e.record().timestamp())
            .thenComparingInt(e -> topics.indexOf(e.record().topic()))
            .thenComparingLong(e -> e.record().offset()));
    out.printf(
        "Referral %s: %d event(s) on %s (all partitions scanned from the beginning)%n",
        referralId, entries.size(), String.join(", ", topics));
    for (Entry entry : entries) {
      print(entry);
    }
    return entries.isEmpty() ? 1 : 0;
  }

  private void print(Entry entry) {
    ConsumerRecord<byte[], byte[]> record = entry.record();
    StringBuilder line =
        new StringBuilder()
            .append(Instant.ofEpochMilli(record.timestamp()))
            .append("  ")
            .append(record.topic())
            .append('/')
            .append(record.partition())
            .append('@')
            .append(record.offset())
            .append("  ")
            .append(entry.decoded().summary());
    if (record.topic().endsWith(Topics.DEAD_LETTER_SUFFIX)) {
      Map<String, String> reasons = new DeadLetterHeaders(record.headers()).reasons();
      for (String name :
          List.of("exchange-dlt-reason", "exchange-dlt-cause", "kafka_dlt-exception-fqcn")) {
        if (reasons.containsKey(name)) {
          line.append("  ").append(name).append('=').append(reasons.get(name));
        }
      }
    }
    if (entry.keyOnly()) {
      line.append("  (keyed by this referral, names another referralId)");
    }
    out.println(line);
  }

  static boolean contains(byte[] haystack, byte[] needle) {
    if (haystack == null || needle.length == 0) {
      return false;
    }
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private record Entry(
      ConsumerRecord<byte[], byte[]> record, EventDecoder.Decoded decoded, boolean keyOnly) {}
}
