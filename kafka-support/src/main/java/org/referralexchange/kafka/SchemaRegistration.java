package org.referralexchange.kafka;

import java.util.concurrent.atomic.AtomicBoolean;
import org.referralexchange.schemas.TopicSchemaRegistration;
import org.referralexchange.serde.AvroSerdeException;
import org.referralexchange.serde.SchemaRegistryClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Registers every topic's value schema when {@code exchange.kafka.register-schemas-on-startup} is
 * set (local runs). The producer never registers on its own ({@code auto.register.schemas=false}),
 * so an unregistered schema is an operator's error, reported by readiness, not a surprise in prod.
 */
public class SchemaRegistration implements SmartInitializingSingleton {

  private static final Logger log = LoggerFactory.getLogger(SchemaRegistration.class);

  private final SchemaRegistryClient registry;
  private final ExchangeKafkaProperties properties;
  private final AtomicBoolean registered = new AtomicBoolean();

  public SchemaRegistration(SchemaRegistryClient registry, ExchangeKafkaProperties properties) {
    this.registry = registry;
    this.properties = properties;
  }

  @Override
  public void afterSingletonsInstantiated() {
    ensureRegistered();
  }

  /** Registers the schemas if that is this instance's job and not yet done; true when done. */
  public boolean ensureRegistered() {
    if (!properties.registerSchemasOnStartup() || registered.get()) {
      return true;
    }
    try {
      TopicSchemaRegistration.registerAll(registry)
          .forEach((subject, id) -> log.info("Schema of {} registered as id {}", subject, id));
      registered.set(true);
      return true;
    } catch (AvroSerdeException e) {
      log.warn("Could not register topic schemas yet: {}", e.getMessage());
      return false;
    }
  }
}
