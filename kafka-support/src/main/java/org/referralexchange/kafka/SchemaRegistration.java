package org.referralexchange.kafka;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.Schema;
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
 *
 * <p>Two failures are told apart. A registry that is unreachable (or answers 5xx) may come back:
 * readiness stays down and registration is tried again. A registry that answers and refuses a
 * schema (409 incompatible, 422 invalid) will refuse it again however long we wait, so that is a
 * {@link SchemaRegistrationRefusedException} naming the subject and the registry's reason: start-up
 * fails, and readiness, should the refusal only come once the registry is back, reports it.
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

  /**
   * Registers the schemas if that is this instance's job and not yet done; true when done, false
   * while the registry cannot be reached.
   *
   * @throws SchemaRegistrationRefusedException when the registry refused a schema
   */
  public boolean ensureRegistered() {
    if (!properties.registerSchemasOnStartup() || registered.get()) {
      return true;
    }
    for (Map.Entry<String, Schema> subject : TopicSchemaRegistration.subjects().entrySet()) {
      try {
        int id = registry.register(subject.getKey(), subject.getValue());
        log.info("Schema of {} registered as id {}", subject.getKey(), id);
      } catch (AvroSerdeException.RegistryRefused e) {
        SchemaRegistrationRefusedException refused =
            new SchemaRegistrationRefusedException(subject.getKey(), e);
        log.error(refused.getMessage());
        throw refused;
      } catch (AvroSerdeException e) {
        log.warn("Could not register topic schemas yet: {}", e.getMessage());
        return false;
      }
    }
    registered.set(true);
    return true;
  }
}
