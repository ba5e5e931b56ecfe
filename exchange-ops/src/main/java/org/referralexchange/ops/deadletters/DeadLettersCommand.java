package org.referralexchange.ops.deadletters;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.referralexchange.ops.cli.OpsSettings;
import org.referralexchange.ops.kafka.EventDecoder;
import org.referralexchange.ops.kafka.TopicReader;
import org.referralexchange.ops.redaction.Redaction;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;

/**
 * {@code dead-letters list} and {@code dead-letters replay}: what is on the dead-letter topics and
 * why, and putting a record back on the topic it came from once its cause is fixed.
 */
public final class DeadLettersCommand {

  private final OpsSettings settings;
  private final PrintWriter out;
  private final TopicReader reader;

  public DeadLettersCommand(OpsSettings settings, PrintWriter out) {
    this.settings = settings;
    this.out = out;
    this.reader = new TopicReader(settings);
  }

  /** A dead-letter topic's name, given it or its source topic's. */
  static String deadLetterTopic(String topic) {
    return topic.endsWith(Topics.DEAD_LETTER_SUFFIX) ? topic : topic + Topics.DEAD_LETTER_SUFFIX;
  }

  /**
   * {@code dead-letters list}: every dead letter on the catalogue's dead-letter topics, or on one;
   * returns 0.
   */
  public int list(Optional<String> topic) {
    Optional<String> only = topic.map(DeadLettersCommand::deadLetterTopic);
    List<String> wanted =
        only.map(List::of)
            .orElseGet(() -> Topics.ALL.stream().map(TopicSpec::deadLetterTopic).toList());
    List<String> existing = reader.existing(wanted);
    EventDecoder decoder = new EventDecoder(settings);
    int[] count = {0};
    reader.readAll(
        existing,
        record -> {
          count[0]++;
          describe(record, decoder);
        });
    List<String> missing = new ArrayList<>(wanted);
    missing.removeAll(existing);
    out.printf(
        "%d dead letter(s) on %s%s%n",
        count[0],
        String.join(", ", existing),
        missing.isEmpty() ? "" : " (not on the cluster: " + String.join(", ", missing) + ")");
    return 0;
  }

  private void describe(ConsumerRecord<byte[], byte[]> record, EventDecoder decoder) {
    DeadLetterHeaders headers = new DeadLetterHeaders(record.headers());
    String source = headers.originalTopic(record.topic());
    out.printf(
        "%s/%d@%d  %s  key=%s  value=%s%n",
        record.topic(),
        record.partition(),
        record.offset(),
        Instant.ofEpochMilli(record.timestamp()),
        key(record.key()),
        record.value() == null
            ? "null"
            : record.value().length
                + " bytes, "
                + decoder.decode(source, record.value()).summary());
    headers.origin().ifPresent(origin -> out.println("    from: " + origin));
    headers.reasons().forEach((name, value) -> out.println("    " + name + ": " + value));
    List<String> others = headers.otherHeaderNames();
    if (!others.isEmpty()) {
      out.println("    other headers (values not shown): " + String.join(", ", others));
    }
  }

  /**
   * {@code dead-letters replay}: puts the dead letter at {@code position} (every one on the topic
   * when empty) back on its original topic; returns 1 when one was refused or none was there.
   */
  public int replay(String dlt, Optional<Position> position, boolean force) {
    String topic = deadLetterTopic(dlt);
    List<ConsumerRecord<byte[], byte[]>> chosen = new ArrayList<>();
    if (position.isEmpty()) {
      reader.readAll(List.of(topic), chosen::add);
    } else {
      Position at = position.get();
      reader.readOne(new TopicPartition(topic, at.partition()), at.offset(), chosen::add);
      if (chosen.isEmpty()) {
        out.printf("No record at %s/%d@%d%n", topic, at.partition(), at.offset());
        return 1;
      }
    }
    Map<String, Set<String>> replayedInto = new HashMap<>();
    int replayed = 0;
    int refused = 0;
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (ConsumerRecord<byte[], byte[]> record : chosen) {
        String target = new DeadLetterHeaders(record.headers()).originalTopic(record.topic());
        String marker = record.topic() + "/" + record.partition() + "/" + record.offset();
        if (target.endsWith(Topics.DEAD_LETTER_SUFFIX)) {
          out.printf("Refused %s: its original topic %s is a dead-letter topic%n", marker, target);
          refused++;
          continue;
        }
        Set<String> markers = replayedInto.computeIfAbsent(target, this::replayMarkersIn);
        if (markers.contains(marker) && !force) {
          out.printf(
              "Refused %s: already replayed to %s (its %s header is there); --force replays it"
                  + " again%n",
              marker, target, DeadLetterHeaders.REPLAYED_FROM);
          refused++;
          continue;
        }
        RecordMetadata written =
            producer
                .send(copy(record, target, marker))
                .get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        markers.add(marker);
        replayed++;
        out.printf(
            "Replayed %s -> %s/%d@%d (key=%s, %s bytes, acknowledged by all in-sync replicas)%n",
            marker,
            written.topic(),
            written.partition(),
            written.offset(),
            key(record.key()),
            record.value() == null ? "null" : Integer.toString(record.value().length));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while replaying", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      out.printf(
          "Replay stopped after %d record(s): the broker did not acknowledge (%s)%n",
          replayed, e.getCause() == null ? e : e.getCause().getClass().getSimpleName());
      return 1;
    }
    out.printf("%d replayed, %d refused%n", replayed, refused);
    return refused > 0 ? 1 : 0;
  }

  /** The original key, value and headers, without the dead-letter headers, and where it was. */
  private static ProducerRecord<byte[], byte[]> copy(
      ConsumerRecord<byte[], byte[]> record, String target, String marker) {
    ProducerRecord<byte[], byte[]> copy =
        new ProducerRecord<>(target, null, record.key(), record.value());
    for (Header header : record.headers()) {
      if (!DeadLetterHeaders.isDeadLetterHeader(header.key())
          && !DeadLetterHeaders.REPLAYED_FROM.equals(header.key())) {
        copy.headers().add(header.key(), header.value());
      }
    }
    copy.headers().add(DeadLetterHeaders.REPLAYED_FROM, marker.getBytes(StandardCharsets.UTF_8));
    return copy;
  }

  /** Every replay marker already on a topic: a full scan, once per topic per run. */
  private Set<String> replayMarkersIn(String topic) {
    Set<String> markers = new HashSet<>();
    reader.readAll(
        List.of(topic),
        record ->
            new DeadLetterHeaders(record.headers())
                .text(DeadLetterHeaders.REPLAYED_FROM)
                .ifPresent(markers::add));
    return markers;
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Map<String, Object> config = new HashMap<>(settings.clientConfig());
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "exchange-ops-replay-" + UUID.randomUUID());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.timeout().toMillis());
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** One record of a dead-letter topic: its partition and offset. */
  public record Position(int partition, long offset) {}

  static String key(byte[] key) {
    return key == null ? "null" : Redaction.printable(new String(key, StandardCharsets.UTF_8));
  }
}
