package org.referralexchange.bench.minimal;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * The producer as the exchange's Kafka auto-configuration builds the gateway's: {@code acks=all},
 * idempotent, {@code linger.ms=0}, timeouts from the publish timeout, and the exchange's {@link
 * AvroSerializer} writing the topic's latest registered schema without registering any. Its beans
 * replace Spring Boot's default producer factory and template.
 */
@Configuration(proxyBeanMethods = false)
class MinimalKafka {

  @Bean
  DefaultKafkaProducerFactory<String, ReferralSubmitted> referralProducerFactory(
      KafkaProperties kafka, MinimalProperties properties) {
    Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
    long timeout = properties.publishTimeout().toMillis();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout + 1000);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, properties.schemaRegistryUrl());
    config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
    config.put(SerdeConfig.USE_LATEST_VERSION, true);
    SchemaRegistryClient registry = new SchemaRegistryClient(SerdeConfig.from(config));
    AvroSerializer<ReferralSubmitted> values = new AvroSerializer<>(registry);
    values.configure(config, false);
    return new DefaultKafkaProducerFactory<>(config, new StringSerializer(), values);
  }

  @Bean
  KafkaTemplate<String, ReferralSubmitted> referralTemplate(
      DefaultKafkaProducerFactory<String, ReferralSubmitted> referralProducerFactory) {
    return new KafkaTemplate<>(referralProducerFactory);
  }
}
