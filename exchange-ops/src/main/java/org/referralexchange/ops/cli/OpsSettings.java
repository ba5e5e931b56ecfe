package org.referralexchange.ops.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.referralexchange.serde.SerdeConfig;

/**
 * Where the tool connects, from the same environment variables the services read ({@code
 * KAFKA_BOOTSTRAP}, {@code SCHEMA_REGISTRY_URL}), overridden by options.
 *
 * @param bootstrapServers the brokers: {@code --bootstrap-servers}, else {@code bootstrap.servers}
 *     in the command config, else {@code KAFKA_BOOTSTRAP}, else {@code localhost:9092}
 * @param schemaRegistryUrl the registry: {@code --schema-registry-url}, else {@code
 *     schema.registry.url} in the command config, else {@code SCHEMA_REGISTRY_URL}, else {@code
 *     http://localhost:8081}
 * @param clientProperties extra client properties from {@code --command-config FILE} (security,
 *     SASL, registry credentials), passed to every client as they are
 * @param timeout how long reading a topic to its end or waiting for an acknowledgement may take
 */
public record OpsSettings(
    String bootstrapServers,
    String schemaRegistryUrl,
    Map<String, Object> clientProperties,
    Duration timeout) {

  public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
  public static final String DEFAULT_REGISTRY = "http://localhost:8081";

  public OpsSettings {
    clientProperties = Map.copyOf(clientProperties);
  }

  /** Reads the common options ({@code --bootstrap-servers} and the rest) and the environment. */
  public static OpsSettings from(Arguments arguments, Map<String, String> env) {
    Map<String, Object> file = new HashMap<>();
    arguments.option("command-config").ifPresent(path -> file.putAll(load(Path.of(path))));
    String bootstrap =
        arguments
            .option("bootstrap-servers")
            .or(() -> text(file.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)))
            .or(() -> text(env.get("KAFKA_BOOTSTRAP")))
            .orElse(DEFAULT_BOOTSTRAP);
    String registry =
        arguments
            .option("schema-registry-url")
            .or(() -> text(file.get(SerdeConfig.SCHEMA_REGISTRY_URL)))
            .or(() -> text(env.get("SCHEMA_REGISTRY_URL")))
            .orElse(DEFAULT_REGISTRY);
    long seconds = arguments.number("timeout-seconds").orElse(60L);
    if (seconds <= 0) {
      throw new UsageException("--timeout-seconds must be positive");
    }
    return new OpsSettings(bootstrap, registry, file, Duration.ofSeconds(seconds));
  }

  /** A client configuration: the command config, then where to connect. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
    return config;
  }

  private static java.util.Optional<String> text(Object value) {
    return value == null || value.toString().isBlank()
        ? java.util.Optional.empty()
        : java.util.Optional.of(value.toString().trim());
  }

  private static Map<String, Object> load(Path path) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new UsageException("cannot read --command-config " + path + ": " + e.getMessage());
    }
    Map<String, Object> map = new HashMap<>();
    properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
    return map;
  }
}
