package org.referralexchange.ops.refusals;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.referralexchange.ops.cli.OpsSettings;
import org.referralexchange.ops.kafka.EventDecoder;
import org.referralexchange.ops.kafka.TopicReader;
import org.referralexchange.ops.redaction.Redaction;
import org.referralexchange.schemas.Topics;

/**
 * {@code refusals [--provider P]}: the provider reports the lifecycle refused, one per referral and
 * version of the provider's record, from {@code referral.report-refused}, oldest first. Each line
 * says which provider, which referral and version, what the provider reports against what the
 * exchange recorded, which policy refused it and when. Statuses, codes and ids only.
 */
public final class RefusalsCommand {

  private final OpsSettings settings;
  private final PrintWriter out;

  public RefusalsCommand(OpsSettings settings, PrintWriter out) {
    this.settings = settings;
    this.out = out;
  }

  /** Lists the refusals (of one provider when given); returns 0, also when there are none. */
  public int run(Optional<String> provider) {
    String topic = Topics.REFERRAL_REPORT_REFUSED.name();
    TopicReader reader = new TopicReader(settings);
    if (reader.existing(List.of(topic)).isEmpty()) {
      out.printf("No refusals: %s is not on the cluster%n", topic);
      return 0;
    }
    EventDecoder decoder = new EventDecoder(settings);
    List<Line> lines = new ArrayList<>();
    reader.readAll(
        List.of(topic),
        record -> {
          EventDecoder.Decoded decoded = decoder.decode(topic, record.value());
          String providerId = decoded.fields().getOrDefault("providerId", "?");
          if (provider.isEmpty() || provider.get().equals(providerId)) {
            lines.add(new Line(record, decoded));
          }
        });
    lines.sort(Comparator.comparingLong((Line l) -> l.record().timestamp()));
    lines.forEach(this::print);
    out.printf(
        "%d refused provider report(s) on %s%s%n",
        lines.size(), topic, provider.map(p -> " from " + p).orElse(""));
    return 0;
  }

  private void print(Line line) {
    ConsumerRecord<byte[], byte[]> record = line.record();
    EventDecoder.Decoded decoded = line.decoded();
    if (decoded.failure().isPresent()) {
      out.printf(
          "%s  %s/%d@%d  %s%n",
          Instant.ofEpochMilli(record.timestamp()),
          record.topic(),
          record.partition(),
          record.offset(),
          decoded.summary());
      return;
    }
    Map<String, String> fields = decoded.fields();
    out.printf(
        "%s  provider=%s  referral=%s  version=%s  reported=%s  current=%s  policy=%s  (%s)"
            + "  ref=%s%n",
        Instant.ofEpochMilli(record.timestamp()),
        fields.getOrDefault("providerId", "?"),
        decoded.referralId().orElse("?"),
        fields.getOrDefault("sourceVersion", "-"),
        fields.getOrDefault("reportedStatus", "?"),
        fields.getOrDefault("currentStatus", "?"),
        fields.getOrDefault("policy", "?"),
        Redaction.mask(fields.getOrDefault("reason", "")),
        fields.getOrDefault("providerReference", "-"));
  }

  private record Line(ConsumerRecord<byte[], byte[]> record, EventDecoder.Decoded decoded) {}
}
