package org.referralexchange.kafka.streams;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;

/**
 * Serdes for a topology, in the exchange's one wire format (Confluent-framed Avro, the project's
 * own serializers): what the services write is read, and what a topology writes reads the same.
 *
 * <ul>
 *   <li>{@link #events()} and {@link #events(Class)} for the exchange's topics: written with the
 *       topic's latest registered schema and never registering one ({@code use.latest.version}, as
 *       {@code EventPublisher}), read into the generated classes.
 *   <li>{@link #stored(Class)} for state stores and their changelogs: internal topics whose schema
 *       the application registers itself under {@code <application-id>-<store>-changelog-value}.
 * </ul>
 *
 * Keys are referral ids and the like: {@link #keys()}. Each serde is configured here, once: Kafka
 * Streams leaves serdes passed to the DSL as they are.
 */
public final class EventSerdes {

  private final SchemaRegistryClient registry;
  private final Map<String, Object> kafkaProperties;

  /**
   * @param kafkaProperties {@code spring.kafka.properties}, with {@code schema.registry.url} and
   *     any registry credentials
   */
  public EventSerdes(SchemaRegistryClient registry, Map<String, ?> kafkaProperties) {
    this.registry = registry;
    this.kafkaProperties = Map.copyOf(kafkaProperties);
  }

  public static Serde<String> keys() {
    return Serdes.String();
  }

  /** Any event of the exchange's topics. */
  public Serde<SpecificRecord> events() {
    return events(SpecificRecord.class);
  }

  /** Events of one type; any other record on the topic is undecodable for this reader. */
  public <T extends SpecificRecord> Serde<T> events(Class<T> type) {
    return serde(type, false, true);
  }

  /** State store values, registering their schema under the changelog's subject. */
  public <T extends SpecificRecord> Serde<T> stored(Class<T> type) {
    return serde(type, true, false);
  }

  private <T extends SpecificRecord> Serde<T> serde(
      Class<T> type, boolean autoRegister, boolean useLatestVersion) {
    Map<String, Object> config = new HashMap<>(kafkaProperties);
    config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, autoRegister);
    config.put(SerdeConfig.USE_LATEST_VERSION, useLatestVersion);
    config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
    AvroSerializer<T> serializer = new AvroSerializer<>(registry);
    serializer.configure(config, false);
    AvroDeserializer<SpecificRecord> deserializer = new AvroDeserializer<>(registry);
    deserializer.configure(config, false);
    Deserializer<T> typed =
        (topic, data) -> {
          SpecificRecord value = deserializer.deserialize(topic, data);
          if (value != null && !type.isInstance(value)) {
            throw new SerializationException(
                "Expected a "
                    + type.getSimpleName()
                    + " on "
                    + topic
                    + ", read a "
                    + value.getClass().getSimpleName());
          }
          return type.cast(value);
        };
    return new Configured<>(serializer, typed);
  }

  /** A serde whose configuration is fixed: {@code configure} leaves it as it is. */
  private record Configured<T>(Serializer<T> serializer, Deserializer<T> deserializer)
      implements Serde<T> {
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {}
  }
}
