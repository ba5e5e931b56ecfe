package org.referralexchange.kafka;

import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroSerdeException;
import org.referralexchange.serde.SchemaRegistryClient;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Readiness: a service takes work only once it has read the log to where it stood at start-up (so
 * it knows every consent and referral) and the schema registry answers with the topics' schemas (so
 * it can publish).
 */
@Configuration(proxyBeanMethods = false)
class KafkaReadiness {

  @Bean
  HealthIndicator eventLogHealthIndicator(EventLog eventLog) {
    return () ->
        eventLog.caughtUp()
            ? Health.up().build()
            : Health.outOfService().withDetail("reason", "reading the event log").build();
  }

  /**
   * Up once every topic's latest schema was read from the registry. Stays up while the registry is
   * unreachable afterwards: what this instance has cached keeps (de)serializing, so taking it out
   * of service would turn a registry outage into an exchange outage. A publish that needs a schema
   * not cached yet is refused on its own ({@link SchemaUnavailableException}).
   */
  @Bean
  HealthIndicator schemaRegistryHealthIndicator(
      SchemaRegistryClient registry, SchemaRegistration registration) {
    java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    return () -> {
      try {
        if (!registration.ensureRegistered()) {
          return Health.down().withDetail("reason", "topic schemas not registered yet").build();
        }
      } catch (SchemaRegistrationRefusedException refused) {
        // Registered only once the registry came back, and then refused: waiting will not help.
        return Health.down()
            .withDetail("reason", "schema refused by the registry")
            .withDetail("subject", refused.subject())
            .withDetail("registry", refused.getCause().getMessage())
            .build();
      }
      try {
        for (TopicSpec topic : Topics.ALL) {
          registry.latest(topic.valueSubject());
          seen.add(topic.valueSubject());
        }
        return Health.up().build();
      } catch (AvroSerdeException e) {
        if (e.isTransient() && seen.size() == Topics.ALL.size()) {
          return Health.up()
              .withDetail("registry", "unreachable; schemas seen before are used")
              .build();
        }
        return Health.down().withDetail("reason", e.getClass().getSimpleName()).build();
      }
    };
  }
}
