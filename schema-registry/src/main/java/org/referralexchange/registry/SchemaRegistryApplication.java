package org.referralexchange.registry;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A local stand-in for Confluent Schema Registry: the REST API subset that serializers and
 * operators use, backed like Confluent's by a compacted {@code _schemas} topic. Production runs
 * Confluent's registry.
 */
@SpringBootApplication
@EnableConfigurationProperties(RegistryProperties.class)
public class SchemaRegistryApplication {

  public static void main(String[] args) {
    SpringApplication.run(SchemaRegistryApplication.class, args);
  }
}
