package org.referralexchange.local;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.springframework.boot.Banner;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The stand-in schema registry, run in this JVM. Its property names are used here and nowhere else,
 * so a rename in the registry module is a one-line change.
 */
final class SchemaRegistryComponent implements LocalComponent {

  /** The registry's Kafka bootstrap property (RegistryProperties; env form KAFKA_BOOTSTRAP). */
  static final String BOOTSTRAP_PROPERTY = "registry.kafka.bootstrap-servers";

  private final Supplier<String> bootstrapServers;
  private final int port;
  private ConfigurableApplicationContext context;

  /**
   * @param bootstrapServers Kafka to store schemas in, asked for when the registry starts
   * @param port HTTP port, 0 for any free one
   */
  SchemaRegistryComponent(Supplier<String> bootstrapServers, int port) {
    this.bootstrapServers = bootstrapServers;
    this.port = port;
  }

  @Override
  public String name() {
    return "schema-registry";
  }

  @Override
  public synchronized void start() {
    if (context != null) {
      throw new IllegalStateException("Schema registry already started");
    }
    String bootstrap = bootstrapServers.get();
    // Command-line arguments outrank the registry's schema-registry.yml and environment variables.
    List<String> args =
        List.of(
            "--server.address=" + KafkaBrokerComponent.HOST,
            "--server.port=" + port,
            "--" + BOOTSTRAP_PROPERTY + "=" + bootstrap,
            "--spring.kafka.bootstrap-servers=" + bootstrap,
            // The gateway shares this classpath and brings springdoc; the registry's API is
            // Confluent's, with no OpenAPI page of its own.
            "--springdoc.api-docs.enabled=false",
            "--springdoc.swagger-ui.enabled=false",
            "--" + LocalExchange.LOG_WITHOUT_APPLICATION_NAME);
    context =
        SchemaRegistryApplication.builder()
            .main(SchemaRegistryApplication.class)
            .bannerMode(Banner.Mode.OFF)
            // The launcher's own shutdown hook stops the components in reverse order.
            .registerShutdownHook(false)
            .run(args.toArray(String[]::new));
  }

  @Override
  public synchronized void stop() {
    if (context != null) {
      context.close();
      context = null;
    }
  }

  /** Base URL of the running registry, e.g. {@code http://127.0.0.1:8081}. */
  String url() {
    if (context == null) {
      throw new IllegalStateException("Schema registry is not running");
    }
    return "http://"
        + KafkaBrokerComponent.HOST
        + ":"
        + context.getEnvironment().getProperty("local.server.port");
  }

  @Override
  public Map<String, String> describe() {
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Schema registry", url());
    return lines;
  }
}
