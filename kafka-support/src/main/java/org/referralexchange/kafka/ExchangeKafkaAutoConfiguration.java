package org.referralexchange.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * A service's Kafka clients. The producer is idempotent with {@code acks=all} and {@code
 * linger.ms=0} (a request waits for its one record; Kafka 4's 5 ms default linger would add 5 ms to
 * every request), writes with each topic's registered schema ({@code use.latest.version}), and
 * gives up within the publish timeout so a request can answer 503 instead of hanging.
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@ConditionalOnBean(KafkaProperties.class)
// Only in services that talk to a schema registry: the stand-in registry, which may share a JVM
// with them in local runs and tests, has none of this.
@ConditionalOnProperty(prefix = "spring.kafka.properties", name = "schema.registry.url")
@Import(KafkaReadiness.class)
@EnableConfigurationProperties(ExchangeKafkaProperties.class)
public class ExchangeKafkaAutoConfiguration {

  @Bean
  SchemaRegistryClient schemaRegistryClient(KafkaProperties kafka) {
    return new SchemaRegistryClient(SerdeConfig.from(kafka.getProperties()));
  }

  /**
   * The producer factory is a bean of its own so the context closes it (and its producer) on
   * shutdown.
   */
  @Bean
  DefaultKafkaProducerFactory<String, SpecificRecord> eventProducerFactory(
      KafkaProperties kafka, SchemaRegistryClient registry, ExchangeKafkaProperties properties) {
    Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
    long timeout = properties.publishTimeout().toMillis();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout + 1000);
    config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
    config.put(SerdeConfig.USE_LATEST_VERSION, true);
    AvroSerializer<SpecificRecord> values = new AvroSerializer<>(registry);
    values.configure(config, false);
    return new DefaultKafkaProducerFactory<>(config, new StringSerializer(), values);
  }

  @Bean
  KafkaTemplate<String, SpecificRecord> eventTemplate(
      DefaultKafkaProducerFactory<String, SpecificRecord> eventProducerFactory) {
    return new KafkaTemplate<>(eventProducerFactory);
  }

  @Bean
  EventLog eventLog(
      java.util.List<EventView> views,
      KafkaProperties kafka,
      SchemaRegistryClient registry,
      io.micrometer.core.instrument.MeterRegistry meters,
      ExchangeKafkaProperties properties) {
    return new EventLog(
        views,
        kafka,
        registry,
        meters,
        properties.deadLetterUndecodable()
            ? java.util.Optional.of(new DeadLetterWriter(kafka, meters))
            : java.util.Optional.empty());
  }

  @Bean
  EventPublisher eventPublisher(
      KafkaTemplate<String, SpecificRecord> eventTemplate,
      ExchangeKafkaProperties properties,
      EventLog eventLog,
      io.micrometer.core.instrument.MeterRegistry meters) {
    return new EventPublisher(eventTemplate, properties, eventLog, meters);
  }

  @Bean
  SchemaRegistration schemaRegistration(
      SchemaRegistryClient registry, ExchangeKafkaProperties properties) {
    return new SchemaRegistration(registry, properties);
  }

  /** Topics as {@link Topics} describes them, with their dead-letter topics; created if missing. */
  @Bean
  KafkaAdmin.NewTopics exchangeTopics() {
    List<NewTopic> topics = new ArrayList<>();
    for (TopicSpec spec : Topics.ALL) {
      topics.add(new NewTopic(spec.name(), spec.partitions(), (short) -1).configs(spec.config()));
      topics.add(
          new NewTopic(spec.deadLetterTopic(), spec.partitions(), (short) -1)
              .configs(Map.of("retention.ms", Long.toString(Duration.ofDays(30).toMillis()))));
    }
    return new KafkaAdmin.NewTopics(topics.toArray(NewTopic[]::new));
  }
}
