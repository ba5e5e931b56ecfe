package org.referralexchange.schemas;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * A topic of the exchange and how it is made: what its key is, the Avro schema its values are
 * written with, and the settings a deployment must create it with.
 *
 * @param name topic name
 * @param key what the record key holds; keys are UTF-8 strings
 * @param valueSchema the schema registered under {@code <name>-value}; a union where the topic
 *     carries more than one event type
 * @param valueTypes the generated classes a value may be
 * @param partitions partition count; topics keyed by referral id share it so a referral's events
 *     land on the same partition number everywhere
 * @param retention how long records are kept; empty means forever
 * @param compacted whether the topic is log-compacted (latest value per key is kept)
 */
public record TopicSpec(
    String name,
    String key,
    Schema valueSchema,
    java.util.List<Class<?>> valueTypes,
    int partitions,
    Optional<Duration> retention,
    boolean compacted) {

  /** Subject of the value schema under Confluent's TopicNameStrategy. */
  public String valueSubject() {
    return name + "-value";
  }

  /** Name of this topic's dead-letter topic (Spring Kafka's default suffix). */
  public String deadLetterTopic() {
    return name + Topics.DEAD_LETTER_SUFFIX;
  }

  /** Topic-level configuration to create the topic with. */
  public Map<String, String> config() {
    return Map.of(
        "cleanup.policy",
        compacted ? "compact" : "delete",
        "retention.ms",
        retention.map(d -> Long.toString(d.toMillis())).orElse("-1"));
  }
}
