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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options every command takes (a picocli mixin): where to connect and how long to wait. The
 * defaults of the first two come from the environment through {@link EnvironmentDefaults}.
 */
public final class CommonOptions {

  static final String BOOTSTRAP = "--bootstrap-servers";
  static final String REGISTRY = "--schema-registry-url";

  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = BOOTSTRAP,
      paramLabel = "HOST:PORT",
      description =
          "The brokers. Default: bootstrap.servers in --command-config, else $KAFKA_BOOTSTRAP,"
              + " else localhost:9092 (here: ${DEFAULT-VALUE}).")
  private String bootstrapServers;

  @Option(
      names = REGISTRY,
      paramLabel = "URL",
      description =
          "The schema registry. Default: schema.registry.url in --command-config, else"
              + " $SCHEMA_REGISTRY_URL, else http://localhost:8081 (here: ${DEFAULT-VALUE}).")
  private String schemaRegistryUrl;

  @Option(
      names = "--command-config",
      paramLabel = "FILE",
      description =
          "Client properties for every client (security.protocol, sasl.*, ssl.*, basic.auth.* for"
              + " the registry), as Kafka's own tools take them.")
  private Path commandConfig;

  @Option(
      names = "--timeout-seconds",
      paramLabel = "N",
      defaultValue = "60",
      description = "Reading a topic to its end, waiting for an acknowledgement (default: 60).")
  private long timeoutSeconds;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  private boolean help;

  /**
   * The settings: an option given on the command line, else the command config's property, else the
   * environment's default (already in the field when the option was not given).
   */
  public OpsSettings settings() {
    if (timeoutSeconds <= 0) {
      throw new ParameterException(command.commandLine(), "--timeout-seconds must be positive");
    }
    Map<String, Object> file = commandConfig == null ? Map.of() : load(commandConfig);
    return new OpsSettings(
        given(BOOTSTRAP, bootstrapServers, file.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)),
        given(REGISTRY, schemaRegistryUrl, file.get(SerdeConfig.SCHEMA_REGISTRY_URL)),
        file,
        Duration.ofSeconds(timeoutSeconds));
  }

  private String given(String option, String value, Object fromFile) {
    boolean typed = command.commandLine().getParseResult().hasMatchedOption(option);
    if (!typed && fromFile != null && !fromFile.toString().isBlank()) {
      return fromFile.toString().trim();
    }
    return value.trim();
  }

  private Map<String, Object> load(Path path) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new ParameterException(
          command.commandLine(), "cannot read --command-config " + path + ": " + e.getMessage());
    }
    Map<String, Object> map = new HashMap<>();
    properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
    return map;
  }
}
