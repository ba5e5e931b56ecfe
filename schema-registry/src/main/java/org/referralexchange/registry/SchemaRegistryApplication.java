package org.referralexchange.registry;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A local stand-in for Confluent Schema Registry: the REST API subset that serializers and
 * operators use, backed like Confluent's by a compacted {@code _schemas} topic. Production runs
 * Confluent's registry.
 */
@SpringBootApplication
@EnableConfigurationProperties(RegistryProperties.class)
public class SchemaRegistryApplication {

  /**
   * The registry reads {@code schema-registry.yml}, not {@code application.yml}, so it can share a
   * JVM and a classpath with the exchange's services (local runs, tests) without taking their
   * configuration or giving them its own.
   */
  public static final String CONFIG_NAME = "schema-registry";

  /**
   * Spring Security's auto-configurations, which the registry never wants, even when a service that
   * shares its classpath brings them: Confluent's registry API is unauthenticated here (put it
   * behind the network, or use Confluent's registry with its own security in production). The local
   * launcher excludes the same list from the services that bring no security of their own.
   */
  public static final String SECURITY_AUTO_CONFIGURATION =
      String.join(
          ",",
          "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
          "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
          "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
          "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
          "org.springframework.boot.security.autoconfigure.actuate.web.servlet"
              + ".ManagementWebSecurityAutoConfiguration",
          "org.springframework.boot.security.oauth2.server.resource.autoconfigure.servlet"
              + ".OAuth2ResourceServerAutoConfiguration");

  /** A builder for the registry with its own configuration file. */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(SchemaRegistryApplication.class)
        .properties(
            "spring.config.name=" + CONFIG_NAME,
            "spring.autoconfigure.exclude=" + SECURITY_AUTO_CONFIGURATION);
  }

  public static void main(String[] args) {
    builder().run(args);
  }
}
