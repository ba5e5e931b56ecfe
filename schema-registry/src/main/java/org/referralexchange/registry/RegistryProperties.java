package org.referralexchange.registry;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.referralexchange.schemas.compatibility.CompatibilityLevel;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The registry's settings, under {@code registry.*}; defaults in {@code schema-registry.yml}.
 * Checked when bound, so a bad value stops start-up with a message instead of failing later.
 *
 * @param defaultCompatibility the global level until someone PUTs {@code /config}
 * @param initTimeout how long start-up may take to create and read the store topic
 * @param writeTimeout how long a write may wait for the broker's ack and for this instance to read
 *     it back; past it the request answers 500 with error code 50002
 */
@ConfigurationProperties("registry")
public record RegistryProperties(
    Kafka kafka,
    CompatibilityLevel defaultCompatibility,
    Duration initTimeout,
    Duration writeTimeout) {

  public RegistryProperties {
    Objects.requireNonNull(kafka, "registry.kafka must be set");
    Objects.requireNonNull(defaultCompatibility, "registry.default-compatibility must be set");
    requirePositive(initTimeout, "registry.init-timeout");
    requirePositive(writeTimeout, "registry.write-timeout");
  }

  /**
   * Where the store lives.
   *
   * @param topic Confluent's default is {@code _schemas}; one partition, compacted
   * @param replicationFactor used only when this instance creates the topic
   * @param properties extra Kafka client settings (security and the like) for all three clients
   */
  public record Kafka(
      String bootstrapServers,
      String topic,
      short replicationFactor,
      Map<String, String> properties) {

    public Kafka {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("registry.kafka.bootstrap-servers must be set");
      }
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("registry.kafka.topic must be set");
      }
      if (replicationFactor < 1) {
        throw new IllegalArgumentException("registry.kafka.replication-factor must be at least 1");
      }
      properties = properties == null ? Map.of() : Map.copyOf(properties);
    }
  }

  private static void requirePositive(Duration duration, String name) {
    if (duration == null || duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration");
    }
  }
}
