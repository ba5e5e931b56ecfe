package org.referralexchange.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  /**
   * One-shot services: they run to completion, so others wait for that, not for health. {@code
   * keyset} (profile setup) makes the keyset; {@code keyset-check} stops the start when the
   * services could not read it.
   */
  private static final Set<String> ONE_SHOT = Set.of("kafka-init", "keyset-check", "keyset");

  /** The services that run no JVM; every other one sizes its heap to its memory limit. */
  private static final Set<String> NOT_JVM = Set.of("mailpit", "keyset-check");

  /** The variable every published port is bound to, and its default: this machine only. */
  private static final String BIND_ADDRESS = "${EXCHANGE_BIND_ADDRESS:-127.0.0.1}:";

  /** Where the gateway and the adapter find the keyset, as compose mounts it. */
  private static final String KEYSET_IN_CONTAINER = "/run/keyset/client-data-keyset.json";

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

  /**
   * The other secrets without a local default, which the compose file requires (made up here too).
   */
  private static final Map<String, String> OTHER_SECRETS =
      Map.of(
          "GATEWAY_HMAC_SECRET", "test-hmac-secret",
          "NORTHSIDE_WEBHOOK_SECRET", "whsec_dGVzdC13ZWJob29rLXNlY3JldA");

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
  void gatewayAndAdapterReadTheSameKeysetFolderOnceItsCheckHasPassed() throws Exception {
    Map<String, Object> services = section(resolvedConfig(), "services");
    Map<String, Object> check = section(services, "keyset-check");
    List<String> checkVolumes = strings(check.get("volumes"));
    String keysetMount =
        checkVolumes.stream()
            .filter(volume -> volume.endsWith(":/run/keyset:ro"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("keyset-check mounts no /run/keyset: " + check));
    String hostFolder = keysetMount.substring(0, keysetMount.length() - ":/run/keyset:ro".length());
    assertThat(hostFolder).endsWith(".local/compose/keyset");
    assertThat(check.get("user")).isEqualTo("10001:10001");

    for (String name : List.of("referral-gateway", "agency-adapter")) {
      Map<String, Object> service = section(services, name);
      assertThat(strings(service.get("volumes"))).as(name).contains(keysetMount);
      assertThat(service.get("user")).as(name).isEqualTo(check.get("user"));
      assertThat(section(service, "depends_on")).as(name).containsKey("keyset-check");
      assertThat(service).as(name).doesNotContainKey("secrets");
    }
    assertThat(section(section(services, "referral-gateway"), "environment"))
        .containsEntry("GATEWAY_KEYSET_FILE", KEYSET_IN_CONTAINER);
    assertThat(section(section(services, "agency-adapter"), "environment"))
        .containsEntry("ADAPTER_KEYSET_FILE", KEYSET_IN_CONTAINER);

    // The generator writes into the same host folder, and hands the file to the services' user.
    Map<String, Object> generator = section(services, "keyset");
    assertThat(strings(generator.get("profiles"))).containsExactly("setup");
    assertThat(strings(generator.get("volumes"))).contains(hostFolder + ":/keyset:rw");
    assertThat(section(generator, "environment"))
        .containsEntry("EXCHANGE_UID", "10001")
        .containsEntry("EXCHANGE_GID", "10001");
    assertThat(section(generator, "build").get("target")).isEqualTo("referral-gateway");
  }

  /** Nothing is reachable from other machines unless EXCHANGE_BIND_ADDRESS says so. */
  @Test
  void everyPublishedPortIsBoundToTheBindAddressVariable() throws Exception {
    Map<String, Object> file = new Yaml().load(Files.readString(COMPOSE_FILE, UTF_8));
    int ports = 0;
    for (Map.Entry<String, Object> entry : section(file, "services").entrySet()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> service = (Map<String, Object>) entry.getValue();
      for (String port : strings(service.get("ports"))) {
        assertThat(port).as("port of %s", entry.getKey()).startsWith(BIND_ADDRESS);
        ports++;
      }
    }
    assertThat(ports).isEqualTo(9);

    for (Map.Entry<String, Object> entry : section(resolvedConfig(), "services").entrySet()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> service = (Map<String, Object>) entry.getValue();
      for (String port : strings(service.get("ports"))) {
        assertThat(port).as("resolved port of %s", entry.getKey()).contains("127.0.0.1");
      }
    }
  }

  /** The secrets with local defaults in the services' configuration have none in compose. */
  @Test
  void secretsWithoutDefaultsAreRequiredAndNamedWhenMissing() throws Exception {
    String text = Files.readString(COMPOSE_FILE, UTF_8);
    for (String secret : OTHER_SECRETS.keySet()) {
      assertThat(text).contains(secret + ": ${" + secret + ":?");
      Result result = run(composeConfig("--quiet"), secret);
      assertThat(result.exitCode()).as("compose config without %s", secret).isNotZero();
      assertThat(result.output()).as("compose config without %s", secret).contains(secret);
    }
    for (String password : KAFKA_PASSWORDS.keySet()) {
      assertThat(text).doesNotContain("${" + password + ":-").doesNotContain("${" + password + "}");
    }
  }

  /** Every container has a memory limit, and every JVM's heap is sized to fit inside it. */
  @Test
  void everyServiceHasAMemoryLimitThatItsHeapFits() throws Exception {
    Pattern percentage = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)");
    Pattern maxHeap = Pattern.compile("-Xmx(\\d+[kmgKMG]?)");
    long total = 0;
    for (Map.Entry<String, Object> entry : section(resolvedConfig(), "services").entrySet()) {
      String name = entry.getKey();
      @SuppressWarnings("unchecked")
      Map<String, Object> service = (Map<String, Object>) entry.getValue();
      assertThat(service.get("mem_limit")).as("%s mem_limit", name).isNotNull();
      long limit = bytes(service.get("mem_limit").toString());
      if (!ONE_SHOT.contains(name)) {
        total += limit;
      }
      if (NOT_JVM.contains(name)) {
        continue;
      }
      Map<String, Object> environment = section(service, "environment");
      Object toolOptions = environment.get("JAVA_TOOL_OPTIONS");
      Matcher byPercentage = percentage.matcher(toolOptions == null ? "" : toolOptions.toString());
      Optional<String> heapOptions =
          environment.entrySet().stream()
              .filter(e -> e.getKey().endsWith("_HEAP_OPTS"))
              .map(e -> e.getValue().toString())
              .findFirst();
      if (byPercentage.find()) {
        assertThat(Integer.parseInt(byPercentage.group(1)))
            .as("%s heap %%", name)
            .isBetween(25, 75);
      } else {
        assertThat(heapOptions).as("%s: MaxRAMPercentage or a *_HEAP_OPTS -Xmx", name).isPresent();
        Matcher xmx = maxHeap.matcher(heapOptions.get());
        assertThat(xmx.find()).as("%s heap options %s", name, heapOptions.get()).isTrue();
        assertThat(bytes(xmx.group(1))).as("%s -Xmx", name).isLessThanOrEqualTo(limit * 3 / 4);
      }
    }
    // docs/operations.md, "Real infrastructure with docker-compose", states what these add up to.
    assertThat(total).as("sum of the long-running limits").isEqualTo(bytes("6016m"));
  }

  /**
   * The image's dependency layer works only when Maven can read the whole reactor from the poms
   * alone: one COPY line per module of the root pom, and a pre-fetch whose failure fails the build.
   */
  @Test
  void dockerfileCopiesThePomOfEveryModuleBeforeAPrefetchThatMayNotFail() throws IOException {
    String rootPom = Files.readString(ROOT.resolve("pom.xml"), UTF_8);
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(rootPom);
    List<String> modules = new ArrayList<>();
    while (module.find()) {
      modules.add(module.group(1).trim());
    }
    assertThat(modules).contains("exchange-ops", "demo-providers", "referral-gateway");

    List<String> lines = Files.readString(ROOT.resolve("Dockerfile"), UTF_8).lines().toList();
    for (String name : modules) {
      assertThat(lines)
          .as("Dockerfile copies %s/pom.xml before the pre-fetch", name)
          .contains("COPY " + name + "/pom.xml " + name + "/");
    }
    String dockerfile = String.join("\n", lines);
    int prefetch = dockerfile.indexOf("dependency:go-offline");
    assertThat(prefetch).isPositive();
    String prefetchStep =
        dockerfile.substring(
            dockerfile.lastIndexOf("RUN ", prefetch), dockerfile.indexOf("\n\n", prefetch));
    assertThat(prefetchStep).as("the pre-fetch step").doesNotContain("||");
    for (String name : modules) {
      assertThat(dockerfile.indexOf("COPY " + name + "/pom.xml"))
          .as("%s's pom is copied before the pre-fetch", name)
          .isLessThan(prefetch);
    }
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

  /**
   * kafka-init, run against stand-in Kafka tools that record their arguments, creates the topics of
   * {@link Topics} and grants exactly the tested ACL table plus the registry's and Kafka UI's ACLs,
   * read from the kafka-acls arguments as kafka-acls reads them (every operation on every resource
   * for every principal). Each tool call is a JVM start, so their number is bounded too.
   */
  @Test
  void kafkaInitCreatesTheTopicsAndGrantsTheTestedAclTableInFewToolCalls(@TempDir Path tools)
      throws Exception {
    assumeTrue(onPath("bash"), "no bash on PATH");
    List<List<String>> calls = runKafkaInit(tools, "");

    List<String> expectedTopics = new ArrayList<>();
    Topics.ALL.forEach(
        topic -> expectedTopics.addAll(List.of(topic.name(), topic.deadLetterTopic())));
    expectedTopics.add("_schemas");
    Map<String, String> created = new LinkedHashMap<>();
    calls.stream()
        .filter(call -> call.get(0).equals("kafka-topics.sh") && call.contains("--create"))
        .forEach(call -> created.put(argument(call, "--topic"), argument(call, "--partitions")));
    assertThat(created.keySet()).containsExactlyInAnyOrderElementsOf(expectedTopics);
    for (TopicSpec topic : Topics.ALL) {
      assertThat(created)
          .containsEntry(topic.name(), String.valueOf(topic.partitions()))
          .containsEntry(topic.deadLetterTopic(), String.valueOf(topic.partitions()));
    }

    Set<AclBinding> expected = new HashSet<>();
    KafkaAclTests.ACLS.forEach(
        (user, operations) ->
            operations.forEach(
                (operation, topics) ->
                    topics.forEach(
                        t -> expected.add(binding(user, operation, ResourceType.TOPIC, t)))));
    KafkaAclTests.GROUPS.forEach(
        (user, group) -> expected.add(binding(user, AclOperation.READ, ResourceType.GROUP, group)));
    expected.addAll(KafkaAclTests.PREFIXED);
    expected.add(
        new AclBinding(
            new ResourcePattern(ResourceType.GROUP, "schema-registry", PatternType.PREFIXED),
            allow("schema-registry", AclOperation.READ)));
    for (AclOperation operation :
        List.of(AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.READ)) {
      expected.add(binding("kafka-ui", operation, ResourceType.TOPIC, "*"));
    }
    expected.add(binding("kafka-ui", AclOperation.DESCRIBE, ResourceType.GROUP, "*"));
    for (AclOperation operation : List.of(AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS)) {
      expected.add(binding("kafka-ui", operation, ResourceType.CLUSTER, "kafka-cluster"));
    }
    List<List<String>> aclCalls =
        calls.stream().filter(call -> call.get(0).equals("kafka-acls.sh")).toList();
    Set<AclBinding> granted = new HashSet<>();
    aclCalls.forEach(call -> granted.addAll(bindings(call)));
    assertThat(granted).containsExactlyInAnyOrderElementsOf(expected);

    // One kafka-configs call per user, one topic listing plus one call per missing topic, and a
    // few kafka-acls calls per user (one per set of operations and pattern), not one per ACL.
    Map<String, Long> aclCallsPerUser = new TreeMap<>();
    aclCalls.forEach(
        call -> aclCallsPerUser.merge(argument(call, "--allow-principal"), 1L, Long::sum));
    assertThat(aclCallsPerUser)
        .hasSize(5)
        .allSatisfy((user, count) -> assertThat(count).as(user).isLessThanOrEqualTo(5));
    assertThat(calls.stream().filter(call -> call.get(0).equals("kafka-configs.sh"))).hasSize(5);
    assertThat(calls)
        .as("tool calls of a first run")
        .hasSize(5 + 1 + expectedTopics.size() + aclCalls.size());

    // A rerun (a password rotation) finds every topic and starts no JVM to create one.
    List<List<String>> rerun = runKafkaInit(tools, String.join("\n", expectedTopics) + "\n");
    assertThat(rerun.stream().filter(call -> call.contains("--create"))).isEmpty();
    assertThat(rerun).as("tool calls of a rerun").hasSize(5 + 1 + aclCalls.size());

    // The topic lines also carry cleanup and retention, as Topics says.
    List<String> lines = Files.readString(INIT_SCRIPT, UTF_8).lines().toList();
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

  /**
   * Runs kafka-init with stand-in kafka-configs/-topics/-acls.sh that record each call (tool name,
   * then its arguments); kafka-topics --list answers {@code existingTopics}.
   */
  private static List<List<String>> runKafkaInit(Path tools, String existingTopics)
      throws IOException, InterruptedException {
    Path log = tools.resolve("calls.log");
    Path topics = tools.resolve("existing-topics");
    Files.writeString(topics, existingTopics, UTF_8);
    Files.deleteIfExists(log);
    for (String tool : List.of("kafka-configs.sh", "kafka-topics.sh", "kafka-acls.sh")) {
      Path script = tools.resolve(tool);
      Files.writeString(
          script,
          """
          #!/bin/bash
          { printf '%s' "$(basename "$0")"; printf '\\t%s' "$@"; echo; } >> "$STAND_IN_LOG"
          if [[ " $* " == *" --list "* ]]; then cat "$STAND_IN_TOPICS"; fi
          """,
          UTF_8);
      script.toFile().setExecutable(true);
    }
    ProcessBuilder builder = new ProcessBuilder("bash", INIT_SCRIPT.toString());
    builder.environment().putAll(KAFKA_PASSWORDS);
    builder
        .environment()
        .putAll(
            Map.of(
                "SCRAM_ADMIN_PASSWORD", "testAdmin1",
                "KAFKA_BOOTSTRAP", "kafka:19092",
                "KAFKA_BIN", tools.toString(),
                "STAND_IN_LOG", log.toString(),
                "STAND_IN_TOPICS", topics.toString()));
    Path output = tools.resolve("output");
    builder.redirectErrorStream(true).redirectOutput(output.toFile());
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("kafka-init finished").isTrue();
    assertThat(process.exitValue())
        .as("kafka-init exit code; output:%n%s", Files.readString(output, UTF_8))
        .isZero();
    return Files.readString(log, UTF_8).lines().map(line -> List.of(line.split("\t"))).toList();
  }

  /** The value after the first {@code option} in a recorded call. */
  private static String argument(List<String> call, String option) {
    int index = call.indexOf(option);
    assertThat(index).as("%s in %s", option, call).isNotNegative();
    return call.get(index + 1);
  }

  /** The ACLs a kafka-acls --add call creates: each operation on each resource, per principal. */
  private static List<AclBinding> bindings(List<String> call) {
    assertThat(call).contains("--add");
    List<String> principals = new ArrayList<>();
    List<AclOperation> operations = new ArrayList<>();
    List<Map.Entry<ResourceType, String>> resources = new ArrayList<>();
    PatternType pattern = PatternType.LITERAL;
    for (int i = 1; i < call.size(); i++) {
      switch (call.get(i)) {
        case "--allow-principal" -> principals.add(call.get(++i));
        case "--operation" -> operations.add(SecurityUtils.operation(call.get(++i)));
        case "--topic" -> resources.add(Map.entry(ResourceType.TOPIC, call.get(++i)));
        case "--group" -> resources.add(Map.entry(ResourceType.GROUP, call.get(++i)));
        case "--transactional-id" ->
            resources.add(Map.entry(ResourceType.TRANSACTIONAL_ID, call.get(++i)));
        case "--cluster" -> resources.add(Map.entry(ResourceType.CLUSTER, "kafka-cluster"));
        case "--resource-pattern-type" ->
            pattern = PatternType.valueOf(call.get(++i).toUpperCase(Locale.ROOT));
        case "--bootstrap-server", "--command-config" -> i++;
        case "--add" -> {}
        default -> throw new AssertionError("kafka-acls option not read here: " + call.get(i));
      }
    }
    List<AclBinding> bindings = new ArrayList<>();
    for (String principal : principals) {
      for (AclOperation operation : operations) {
        for (Map.Entry<ResourceType, String> resource : resources) {
          bindings.add(
              new AclBinding(
                  new ResourcePattern(resource.getKey(), resource.getValue(), pattern),
                  new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
      }
    }
    return bindings;
  }

  private static AclBinding binding(
      String user, AclOperation operation, ResourceType type, String name) {
    return new AclBinding(
        new ResourcePattern(type, name, PatternType.LITERAL), allow(user, operation));
  }

  private static AccessControlEntry allow(String user, AclOperation operation) {
    return new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW);
  }

  /** A list of strings from a YAML value (absent: empty); port entries may be maps in config. */
  private static List<String> strings(Object value) {
    if (value == null) {
      return List.of();
    }
    assertThat(value).isInstanceOf(List.class);
    return ((List<?>) value).stream().map(String::valueOf).toList();
  }

  /** A compose or JVM memory size ({@code 768m}, {@code 1g}, or bytes) in bytes. */
  private static long bytes(String size) {
    Matcher matcher = Pattern.compile("(\\d+)([kmgKMG]?)[bB]?").matcher(size.trim());
    assertThat(matcher.matches()).as("memory size %s", size).isTrue();
    long number = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> number << 10;
      case "m" -> number << 20;
      case "g" -> number << 30;
      default -> number;
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
    // An empty env file: a developer's .env must not hide a missing variable. The setup profile:
    // newer compose leaves the keyset generator out of config otherwise.
    Path emptyEnvFile = Files.createTempFile("compose-", ".env");
    emptyEnvFile.toFile().deleteOnExit();
    command.addAll(
        List.of(
            "--env-file",
            emptyEnvFile.toString(),
            "--profile",
            "setup",
            "-f",
            COMPOSE_FILE.toString(),
            "config"));
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
   * Runs the command with the required secrets set, but for {@code unset}; the output is its
   * standard output, with standard error (warnings) added only when it failed. Both go to files, so
   * a long output never blocks the process.
   */
  private static Result run(List<String> command, String... unset)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("compose-", ".out");
    Path err = Files.createTempFile("compose-", ".err");
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().putAll(KAFKA_PASSWORDS);
      builder.environment().putAll(OTHER_SECRETS);
      List.of(unset).forEach(builder.environment()::remove);
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
