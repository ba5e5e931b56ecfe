package org.referralexchange.kafka.streams;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.StreamsBuilder;
import org.referralexchange.kafka.ExchangeKafkaAutoConfiguration;
import org.referralexchange.serde.SchemaRegistryClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;

/**
 * The Kafka Streams foundation for services that talk to the registry: serdes, dead letters for
 * Streams and for listener containers, and the shared Streams defaults. Inert until a service puts
 * {@code @EnableKafkaStreams} on a configuration and declares a topology.
 */
@AutoConfiguration(after = ExchangeKafkaAutoConfiguration.class)
@ConditionalOnClass(StreamsBuilder.class)
@ConditionalOnBean(SchemaRegistryClient.class)
@EnableConfigurationProperties(ExchangeStreamsProperties.class)
public class ExchangeStreamsAutoConfiguration {

  @Bean
  DeadLetters deadLetters(MeterRegistry meters) {
    return new DeadLetters(meters);
  }

  @Bean
  DeadLetterRecoverer deadLetterRecoverer(
      KafkaProperties kafka, SchemaRegistryClient registry, DeadLetters deadLetters) {
    return DeadLetterRecoverer.create(kafka, registry, deadLetters);
  }

  @Bean
  ListenerErrorHandlers listenerErrorHandlers(DeadLetterRecoverer deadLetterRecoverer) {
    return new ListenerErrorHandlers(deadLetterRecoverer);
  }

  @Bean
  EventSerdes eventSerdes(SchemaRegistryClient registry, KafkaProperties kafka) {
    return new EventSerdes(registry, kafka.getProperties());
  }

  @Bean
  StoreRestores storeRestores(MeterRegistry meters) {
    return new StoreRestores(meters);
  }

  @Bean
  ExchangeStreamsDefaults exchangeStreamsDefaults(
      ExchangeStreamsProperties properties,
      DeadLetterRecoverer deadLetterRecoverer,
      StoreRestores storeRestores) {
    return new ExchangeStreamsDefaults(properties, deadLetterRecoverer, storeRestores);
  }
}
