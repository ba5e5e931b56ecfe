package org.referralexchange.ops.cli;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.referralexchange.serde.SerdeConfig;

/**
 * Where the tool connects, resolved by {@link CommonOptions} from the options, the command config
 * and the same environment variables the services read ({@code KAFKA_BOOTSTRAP}, {@code
 * SCHEMA_REGISTRY_URL}).
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

  /** A client configuration: the command config, then where to connect. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
    return config;
  }
}
