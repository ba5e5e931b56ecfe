package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AclOperation;
import org.junit.jupiter.api.Test;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * The real-infrastructure compose file stays valid and complete. {@code docker compose config}
 * needs no engine, only the CLI and its compose plugin; Debian's standalone {@code docker-compose}
 * is used when the plugin is missing. What can be checked without an engine is checked: the file
 * resolves, every long-running service has a health check, start-up waits for health, the services
 * share one keyset, and every variable a service's configuration reads reaches its container.
 */
class DockerComposeConfigTests {

  private static final Path ROOT = Path.of("..");
  private static final Path COMPOSE_FILE = ROOT.resolve("docker-compose.yml");

  /** The exchange's own services, built from the root Dockerfile. */
  private static final List<String> EXCHANGE_SERVICES =
      List.of("referral-gateway", "agency-adapter", "notifier");

  private static final Path INIT_SCRIPT = ROOT.resolve("docker/kafka/init-topics-and-acls.sh");

  /** One-shot services: they run to completion, so others wait for that, not for health. */
  private static final Set<String> ONE_SHOT = Set.of("kafka-init");

  /**
   * The passwords {@code docker compose config} needs (the file has no defaults for them); made up
   * here, as an operator's .env would set them.
   */
  private static final Map<String, String> KAFKA_PASSWORDS =
      Map.of(
          "KAFKA_ADMIN_PASSWORD", "testAdmin1",
          "GATEWAY_KAFKA_PASSWORD", "testGateway1",
          "ADAPTER_KAFKA_PASSWORD", "testAdapter1",
          "NOTIFIER_KAFKA_PASSWORD", "testNotifier1",
          "SCHEMA_REGISTRY_KAFKA_PASSWORD", "testRegistry1",
          "KAFKA_UI_KAFKA_PASSWORD", "testUi1");

  /** Each exchange service's Kafka user and the variable holding its password. */
  private static final Map<String, String> SERVICE_PASSWORD_VARIABLES =
      Map.of(
          "referral-gateway", "GATEWAY_KAFKA_PASSWORD",
          "agency-adapter", "ADAPTER_KAFKA_PASSWORD",
          "notifier", "NOTIFIER_KAFKA_PASSWORD");

  private static final String SCRAM_LOGIN =
      "org.apache.kafka.common.security.scram.ScramLoginModule required";

  /** Every long-running service of the file; each needs a health check. */
  private static final List<String> ALL_SERVICES =
      List.of(
          "kafka",
          "schema-registry",
          "kafka-ui",
          "mailpit",
          "riverside-fhir",
          "referral-gateway",
          "agency-adapter",
          "notifier");

  /**
   * Variables the compose file deliberately does not pass: the ports stay at their defaults, which
   * the health checks and port mappings name; the keyset comes as a file secret, never as JSON in
   * the environment.
   */
  private static final Set<String> NOT_PASSED =
      Set.of(
          "GATEWAY_PORT",
          "ADAPTER_PORT",
          "NOTIFIER_PORT",
          "GATEWAY_KEYSET_JSON",
          "ADAPTER_KEYSET_JSON");

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");

  @Test
  void composeFilePassesComposeConfig() throws Exception {
    List<String> command = composeConfig("--quiet");
    Result result = run(command);

    assertThat(result.exitCode())
        .as("exit code of %s; output:%n%s", String.join(" ", command), result.output())
        .isZero();
  }

  @Test
  void everyServiceHasAHealthCheckAndStartsAfterItsDependenciesAreHealthy() throws Exception {
    Map<String, Object> services = section(resolvedConfig(), "services");

    assertThat(services).containsKeys(ALL_SERVICES.toArray(String[]::new));
    assertThat(services).containsKeys(ONE_SHOT.toArray(String[]::new));
    for (String name : services.keySet()) {
      Map<String, Object> service = section(services, name);
      if (ONE_SHOT.contains(name)) {
        assertThat(service.get("restart")).as("%s restart", name).isIn("no", false, null);
      } else {
        Map<String, Object> healthcheck = section(service, "healthcheck");
        assertThat(healthcheck.get("disable"))
            .as("%s healthcheck disabled", name)
            .isNotEqualTo(true);
        assertThat(healthcheck.get("test"))
            .as("%s healthcheck test", name)
            .isInstanceOf(List.class);
        assertThat((List<?>) healthcheck.get("test"))
            .as("%s healthcheck test", name)
            .hasSizeGreaterThan(1);
      }

      Object dependsOn = service.get("depends_on");
      if (dependsOn == null) {
        continue;
      }
      assertThat(dependsOn)
          .as("%s depends_on must name a condition for each dependency", name)
          .isInstanceOf(Map.class);
      section(service, "depends_on")
          .forEach(
              (dependency, condition) ->
                  assertThat(condition)
                      .as("%s depends on %s", name, dependency)
                      .isEqualTo(
                          Map.of(
                              "condition",
                              ONE_SHOT.contains(dependency)
                                  ? "service_completed_successfully"
                                  : "service_healthy")));
    }
  }

  @Test
  void servicesAreBuiltFromTheRootDockerfileAndWiredToTheComposeNetwork() throws Exception {
    Map<String, Object> services = section(resolvedConfig(), "services");
    for (String name : EXCHANGE_SERVICES) {
      Map<String, Object> service = section(services, name);
      assertThat(section(service, "build").get("target"))
          .as("%s build target", name)
          .isEqualTo(name);
      assertThat(section(service, "depends_on")).as(name).containsKeys("kafka", "schema-registry");
      Map<String, Object> environment = section(service, "environment");
      assertThat(environment.get("KAFKA_BOOTSTRAP")).as(name).isEqualTo("kafka:19092");
      assertThat(environment.get("SCHEMA_REGISTRY_URL"))
          .as(name)
          .isEqualTo("http://schema-registry:8081");
    }

    Map<String, Object> adapter = section(services, "agency-adapter");
    assertThat(section(adapter, "depends_on")).containsKey("riverside-fhir");
    assertThat(section(adapter, "environment").get("RIVERSIDE_FHIR_URL"))
        .isEqualTo("http://riverside-fhir:8080/fhir");
    Map<String, Object> notifier = section(services, "notifier");
    assertThat(section(notifier, "depends_on")).containsKey("mailpit");
    assertThat(section(notifier, "environment").get("SMTP_HOST")).isEqualTo("mailpit");
  }

  @Test
  void gatewayAndAdapterReadTheSameKeysetFromASecretFile() throws Exception {
    Map<String, Object> config = resolvedConfig();
    Map<String, Object> services = section(config, "services");
    assertThat(section(section(config, "secrets"), "client-data-keyset")).containsKey("file");

    for (String name : List.of("referral-gateway", "agency-adapter")) {
      Map<String, Object> service = section(services, name);
      assertThat(service.get("secrets").toString()).as(name).contains("client-data-keyset");
    }
    assertThat(section(section(services, "referral-gateway"), "environment"))
        .containsEntry("GATEWAY_KEYSET_FILE", "/run/secrets/client-data-keyset");
    assertThat(section(section(services, "agency-adapter"), "environment"))
        .containsEntry("ADAPTER_KEYSET_FILE", "/run/secrets/client-data-keyset");
  }

  /**
   * Read from the file itself, not from {@code config}: a variable listed by name only resolves
   * differently across compose versions, but must be listed either way.
   */
  @Test
  void everyVariableOfAServicesConfigurationReachesItsContainer() throws IOException {
    String text = Files.readString(COMPOSE_FILE, StandardCharsets.UTF_8);
    Map<String, Object> file = new Yaml().load(text);
    assertThat(file)
        .as("no top-level name: docker-compose 1.29 refuses it")
        .doesNotContainKey("name");
    Map<String, Object> services = section(file, "services");

    for (String name : EXCHANGE_SERVICES) {
      Set<String> read = variablesRead(name);
      assertThat(read).as("variables of %s's configuration", name).contains("KAFKA_BOOTSTRAP");
      Set<String> passed = section(section(services, name), "environment").keySet();
      Set<String> expected = new TreeSet<>(read);
      expected.removeAll(NOT_PASSED);
      assertThat(passed).as("environment of %s in docker-compose.yml", name).containsAll(expected);
      assertThat(passed).as("environment of %s", name).doesNotContainAnyElementsOf(NOT_PASSED);
    }
  }

  @Test
  void everyKafkaClientAuthenticatesWithScramAsItsOwnUser() throws Exception {
    Map<String, Object> services = section(resolvedConfig(), "services");

    Map<String, Object> kafka = section(section(services, "kafka"), "environment");
    assertThat(kafka.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"))
        .isEqualTo("INTERNAL:SASL_PLAINTEXT,HOST:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
    assertThat(kafka.get("KAFKA_LISTENERS").toString()).contains("CONTROLLER://localhost:");
    assertThat(kafka)
        .containsEntry(
            "KAFKA_AUTHORIZER_CLASS_NAME",
            "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
        .containsEntry("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "false")
        .containsEntry("KAFKA_SASL_ENABLED_MECHANISMS", "SCRAM-SHA-512")
        .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        .containsEntry("SCRAM_ADMIN_PASSWORD", "testAdmin1");

    for (Map.Entry<String, String> entry : SERVICE_PASSWORD_VARIABLES.entrySet()) {
      String name = entry.getKey();
      Map<String, Object> service = section(services, name);
      assertThat(section(service, "depends_on")).as(name).containsKey("kafka-init");
      Map<String, Object> environment = section(service, "environment");
      assertThat(environment)
          .as(name)
          .containsEntry("SPRING_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
          .containsEntry("SPRING_KAFKA_PROPERTIES_SASL_MECHANISM", "SCRAM-SHA-512")
          .containsEntry(
              "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG",
              jaas(name, KAFKA_PASSWORDS.get(entry.getValue())))
          .containsEntry("SPRING_KAFKA_ADMIN_AUTO_CREATE", "false");
    }

    Map<String, Object> registry = section(services, "schema-registry");
    assertThat(section(registry, "depends_on")).containsKey("kafka-init");
    assertThat(section(registry, "environment"))
        .containsEntry(
            "SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "SASL_PLAINTEXT://kafka:19092")
        .containsEntry("SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
        .containsEntry("SCHEMA_REGISTRY_KAFKASTORE_SASL_MECHANISM", "SCRAM-SHA-512")
        .containsEntry(
            "SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG",
            jaas("schema-registry", "testRegistry1"));
    assertThat(section(section(services, "kafka-ui"), "environment"))
        .containsEntry("KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
        .containsEntry("KAFKA_CLUSTERS_0_PROPERTIES_SASL_MECHANISM", "SCRAM-SHA-512")
        .containsEntry("KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG", jaas("kafka-ui", "testUi1"));
  }

  /** Passwords come from the environment (.env); the committed files hold none. */
  @Test
  void noPasswordIsWrittenIntoTheComposeFileOrItsScripts() throws IOException {
    Pattern literal = Pattern.compile("password=\"?(?!\"?\\$)[^\"\\s;\\]]+");
    for (Path file :
        List.of(COMPOSE_FILE, INIT_SCRIPT, ROOT.resolve("docker/kafka/format-with-scram.sh"))) {
      Matcher matcher = literal.matcher(Files.readString(file, StandardCharsets.UTF_8));
      List<String> found = new ArrayList<>();
      while (matcher.find()) {
        found.add(matcher.group());
      }
      assertThat(found).as("literal passwords in %s", file).isEmpty();
    }
  }

  /** kafka-init creates the topics of {@link Topics} and grants exactly the tested ACL table. */
  @Test
  void kafkaInitCreatesTheTopicsAndGrantsTheTestedAclTable() throws IOException {
    String script = Files.readString(INIT_SCRIPT, StandardCharsets.UTF_8);
    Set<String> granted = new TreeSet<>();
    Matcher allow = Pattern.compile("(?m)^allow (\\S+) (\\S+) (\\S+)$").matcher(script);
    while (allow.find()) {
      granted.add(allow.group(1) + " " + operation(allow.group(2)) + " " + allow.group(3));
    }
    Set<String> tested = new TreeSet<>();
    KafkaAclTests.ACLS.forEach(
        (user, operations) ->
            operations.forEach(
                (operation, topics) ->
                    topics.forEach(t -> tested.add(user + " " + operation + " " + t))));
    assertThat(granted).isEqualTo(tested);

    Set<String> groups = new TreeSet<>();
    Matcher allowGroup = Pattern.compile("(?m)^allow_group (\\S+) (\\S+)$").matcher(script);
    while (allowGroup.find()) {
      groups.add(allowGroup.group(1) + " " + allowGroup.group(2));
    }
    Set<String> testedGroups = new TreeSet<>();
    KafkaAclTests.GROUPS.forEach((user, group) -> testedGroups.add(user + " " + group));
    assertThat(groups).isEqualTo(testedGroups);

    List<String> lines = script.lines().toList();
    for (TopicSpec topic : Topics.ALL) {
      String retention = topic.config().get("retention.ms");
      assertThat(lines)
          .as("kafka-init creates %s with its partitions, cleanup and retention", topic.name())
          .contains(
              "referral_topic "
                  + topic.name()
                  + " "
                  + topic.partitions()
                  + " "
                  + topic.config().get("cleanup.policy")
                  + ("-1".equals(retention) ? "" : " " + retention));
    }
  }

  /**
   * The services' SASL settings arrive as environment variables; Spring Boot binds them into
   * spring.kafka.properties with dotted keys, as the Kafka clients expect.
   */
  @Test
  void scramSettingsFromTheEnvironmentBindToSpringKafkaProperties() {
    Map<String, Object> environment =
        Map.of(
            "SPRING_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
            "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM", "SCRAM-SHA-512",
            "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", jaas("notifier", "testNotifier1"),
            "SPRING_KAFKA_ADMIN_AUTO_CREATE", "false");
    Binder binder =
        new Binder(
            ConfigurationPropertySources.from(
                new SystemEnvironmentPropertySource(
                    StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, environment)));

    KafkaProperties kafka =
        binder.bind("spring.kafka", Bindable.ofInstance(new KafkaProperties())).get();

    assertThat(kafka.getSecurity().getProtocol()).isEqualTo("SASL_PLAINTEXT");
    assertThat(kafka.getAdmin().isAutoCreate()).isFalse();
    assertThat(kafka.buildProducerProperties())
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("sasl.jaas.config", jaas("notifier", "testNotifier1"));
    assertThat(kafka.buildConsumerProperties()).containsEntry("sasl.mechanism", "SCRAM-SHA-512");
  }

  private static String jaas(String user, String password) {
    return SCRAM_LOGIN + " username=\"" + user + "\" password=\"" + password + "\";";
  }

  private static AclOperation operation(String cliName) {
    return switch (cliName) {
      case "Read" -> AclOperation.READ;
      case "Write" -> AclOperation.WRITE;
      case "DescribeConfigs" -> AclOperation.DESCRIBE_CONFIGS;
      default -> throw new AssertionError("operation not in the table: " + cliName);
    };
  }

  /** The {@code ${VAR}} and {@code ${VAR:default}} names in the service's configuration file. */
  private static Set<String> variablesRead(String service) throws IOException {
    Path resources = ROOT.resolve(service).resolve("src/main/resources");
    Path configuration =
        Files.exists(resources.resolve(service + ".yml"))
            ? resources.resolve(service + ".yml")
            : resources.resolve("application.yml");
    Matcher matcher = PLACEHOLDER.matcher(Files.readString(configuration, StandardCharsets.UTF_8));
    Set<String> names = new TreeSet<>();
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  private static Map<String, Object> resolvedConfig() throws Exception {
    List<String> command = composeConfig();
    Result result = run(command);
    assertThat(result.exitCode())
        .as("exit code of %s; output:%n%s", String.join(" ", command), result.output())
        .isZero();
    return new Yaml().load(result.output());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> section(Map<String, Object> parent, String key) {
    assertThat(parent).as("has %s", key).containsKey(key);
    assertThat(parent.get(key)).as(key).isInstanceOf(Map.class);
    return (Map<String, Object>) parent.get(key);
  }

  /** {@code <compose> -f docker-compose.yml config [options]}, or the test is skipped. */
  private static List<String> composeConfig(String... options) throws Exception {
    assumeTrue(onPath("docker") || onPath("docker-compose"), "no docker CLI on PATH");
    Optional<List<String>> compose = composeCommand();
    assumeTrue(compose.isPresent(), "docker CLI without the compose plugin or docker-compose");
    assertThat(COMPOSE_FILE).isRegularFile();
    List<String> command = new ArrayList<>(compose.get());
    command.addAll(List.of("-f", COMPOSE_FILE.toString(), "config"));
    command.addAll(List.of(options));
    return command;
  }

  /** {@code docker compose} when the plugin answers, else {@code docker-compose}. */
  private static Optional<List<String>> composeCommand() throws Exception {
    for (List<String> candidate :
        List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
      if (onPath(candidate.get(0))) {
        List<String> version = new ArrayList<>(candidate);
        version.add("version");
        if (run(version).exitCode() == 0) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Runs the command; the output is its standard output, with standard error (warnings) added only
   * when it failed. Both go to files, so a long output never blocks the process.
   */
  private static Result run(List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("compose-", ".out");
    Path err = Files.createTempFile("compose-", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().putAll(KAFKA_PASSWORDS);
      builder.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process process = builder.start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
      }
      String output = Files.readString(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        output += Files.readString(err, StandardCharsets.UTF_8);
      }
      return new Result(process.exitValue(), output);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static boolean onPath(String executable) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(dir -> !dir.isBlank())
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, executable)));
  }

  private record Result(int exitCode, String output) {}
}
