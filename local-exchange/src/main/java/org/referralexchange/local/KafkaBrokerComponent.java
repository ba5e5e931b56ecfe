package org.referralexchange.local;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka broker (KRaft combined mode, one node) run as a child JVM from the jars in {@code
 * kafka-libs}. Its data folder survives restarts: storage is formatted only while the folder holds
 * no {@code meta.properties}, so topics, records and the cluster id stay.
 */
final class KafkaBrokerComponent implements LocalComponent {

  static final String HOST = "127.0.0.1";

  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

  /**
   * A small heap, the serial collector and C1 only, as the child services run: the format step
   * lives for a second and the broker of a local run or a test for minutes at a light load, where
   * C2's compiling costs more CPU than it saves on a 2-core box.
   */
  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xmx256m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Djava.awt.headless=true",
          "-Dorg.slf4j.simpleLogger.showDateTime=true",
          "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=info");

  /**
   * @param dataDir broker data and its log file; created when missing
   * @param kafkaLibs folder with kafka_2.13, its dependencies and an slf4j binding
   * @param port PLAINTEXT listener for clients
   * @param controllerPort CONTROLLER listener of the KRaft quorum
   * @param startupTimeout how long the broker may take until it answers an admin request
   */
  record Settings(
      Path dataDir, Path kafkaLibs, int port, int controllerPort, Duration startupTimeout) {}

  /**
   * The secured mode, off for the run command: clients authenticate with SCRAM-SHA-512 on a
   * SASL_PLAINTEXT listener and the StandardAuthorizer denies what no ACL allows. The controller
   * listener stays PLAINTEXT on loopback; its principal (User:ANONYMOUS) must be a super user, or
   * the controller refuses the node's own registration (CLUSTER_ACTION).
   *
   * @param adminPassword password of the super user {@code admin}, who creates topics and ACLs
   * @param users further SCRAM users (name to password), created with admin when storage is
   *     formatted; names and passwords may hold letters, digits, '-' and '_' only
   */
  record Security(String adminPassword, Map<String, String> users) {

    static final String ADMIN = "admin";
    static final String MECHANISM = "SCRAM-SHA-512";
    private static final java.util.regex.Pattern SAFE =
        java.util.regex.Pattern.compile("[A-Za-z0-9_-]+");

    Security {
      users = Map.copyOf(users);
      for (Map.Entry<String, String> user : users.entrySet()) {
        requireSafe(user.getKey());
        requireSafe(user.getValue());
      }
      requireSafe(adminPassword);
    }

    private static void requireSafe(String value) {
      if (!SAFE.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "SCRAM user names and passwords here may hold only letters, digits, '-' and '_'");
      }
    }

    /** Client settings that authenticate as this user; add them to any client's config. */
    static Map<String, Object> clientConfig(String user, String password) {
      return Map.of(
          "security.protocol",
          "SASL_PLAINTEXT",
          "sasl.mechanism",
          MECHANISM,
          "sasl.jaas.config",
          jaasConfig(user, password));
    }

    static String jaasConfig(String user, String password) {
      return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
          + user
          + "\" password=\""
          + password
          + "\";";
    }
  }

  private final Settings settings;
  private final Optional<Security> security;
  // Guarded by this; volatile so stop() from a shutdown hook sees a broker still starting up.
  private volatile Process process;
  private boolean stopRequested;
  private volatile String clusterId;

  KafkaBrokerComponent(Settings settings) {
    this(settings, Optional.empty());
  }

  /** A broker in the secured mode when {@code security} is present, else as the run command's. */
  KafkaBrokerComponent(Settings settings, Optional<Security> security) {
    this.settings = settings;
    this.security = security;
  }

  /** Client settings that authenticate as the super user; empty when the broker is not secured. */
  Map<String, Object> adminClientConfig() {
    return security
        .map(s -> Security.clientConfig(Security.ADMIN, s.adminPassword()))
        .orElse(Map.of());
  }

  @Override
  public String name() {
    return "kafka";
  }

  String bootstrapServers() {
    return HOST + ":" + settings.port();
  }

  /** The cluster id the running broker reported; stable for the life of the data folder. */
  String clusterId() {
    return clusterId;
  }

  Path logFile() {
    return settings.dataDir().resolve("broker.log");
  }

  /** The broker's process while it runs. */
  Optional<ProcessHandle> process() {
    return Optional.ofNullable(process).map(Process::toHandle);
  }

  @Override
  public void start() throws IOException, InterruptedException {
    synchronized (this) {
      if (process != null) {
        throw new IllegalStateException("Kafka broker already started");
      }
      stopRequested = false;
    }
    requireKafkaLibs();
    requireFree(settings.port(), "Kafka");
    requireFree(settings.controllerPort(), "Kafka controller");
    Files.createDirectories(logDir());
    Path config = writeServerProperties();
    Files.writeString(logFile(), "");
    formatStorageIfNeeded(config);
    Process started =
        javaCommand("kafka.Kafka", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
            .start();
    synchronized (this) {
      if (stopRequested) {
        started.destroyForcibly();
        throw new LocalStartupException("Kafka broker start cancelled: stop was requested");
      }
      process = started;
    }
    try {
      awaitReady(started);
    } catch (RuntimeException | InterruptedException e) {
      stop();
      throw e;
    }
  }

  /**
   * Asks the broker to shut down (SIGTERM), waits a bounded time, then kills it. Also ends a broker
   * that is still starting, e.g. on Ctrl-C during start-up.
   */
  @Override
  public void stop() {
    Process running;
    synchronized (this) {
      stopRequested = true;
      running = process;
      process = null;
    }
    if (running == null) {
      return;
    }
    ChildJvm.stop(running);
  }

  @Override
  public Map<String, String> describe() {
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Kafka bootstrap", bootstrapServers());
    lines.put("Kafka data", settings.dataDir().toString());
    lines.put("Kafka broker log", logFile().toString());
    return lines;
  }

  private Path logDir() {
    return settings.dataDir().resolve("kraft-logs");
  }

  private void requireKafkaLibs() throws IOException {
    Path libs = settings.kafkaLibs();
    boolean hasBroker;
    if (Files.isDirectory(libs)) {
      try (Stream<Path> jars = Files.list(libs)) {
        hasBroker = jars.anyMatch(jar -> jar.getFileName().toString().startsWith("kafka_2.13-"));
      }
    } else {
      hasBroker = false;
    }
    if (!hasBroker) {
      throw new LocalStartupException(
          "No Kafka broker jars in "
              + libs
              + ". Build them with 'mvn -pl local-exchange package' or point "
              + LocalSettings.KAFKA_LIBS
              + " at a folder holding kafka_2.13 and its dependencies.");
    }
  }

  private static void requireFree(int port, String what) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(HOST, port));
    } catch (IOException e) {
      throw new LocalStartupException(
          what
              + " port "
              + HOST
              + ":"
              + port
              + " is already in use (is another broker still running?). Stop it or choose another"
              + " port.",
          e);
    }
  }

  private Path writeServerProperties() throws IOException {
    String clientListener = security.isPresent() ? "SASL_PLAINTEXT" : "PLAINTEXT";
    String listener = clientListener + "://" + bootstrapServers();
    String controller = HOST + ":" + settings.controllerPort();
    List<String> lines = new ArrayList<>();
    lines.add("# Written by local-exchange on every start; edits are overwritten.");
    lines.add("process.roles=broker,controller");
    lines.add("node.id=1");
    lines.add("controller.quorum.voters=1@" + controller);
    lines.add("listeners=" + listener + ",CONTROLLER://" + controller);
    lines.add("advertised.listeners=" + listener);
    lines.add(
        "listener.security.protocol.map="
            + clientListener
            + ":"
            + clientListener
            + ",CONTROLLER:PLAINTEXT");
    lines.add("inter.broker.listener.name=" + clientListener);
    lines.add("controller.listener.names=CONTROLLER");
    if (security.isPresent()) {
      lines.add("sasl.enabled.mechanisms=" + Security.MECHANISM);
      lines.add("sasl.mechanism.inter.broker.protocol=" + Security.MECHANISM);
      // The broker's own connections on the SASL listener authenticate as admin.
      lines.add(
          "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config="
              + Security.jaasConfig(Security.ADMIN, security.get().adminPassword()));
      lines.add("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer");
      lines.add("allow.everyone.if.no.acl.found=false");
      // ANONYMOUS is the PLAINTEXT controller listener, bound to loopback only.
      lines.add("super.users=User:" + Security.ADMIN + ";User:ANONYMOUS");
    }
    lines.add("log.dirs=" + logDir().toAbsolutePath().toString().replace('\\', '/'));
    // Three partitions: room for a few consumers per group while keys keep each referral in order.
    lines.add("num.partitions=3");
    lines.add("default.replication.factor=1");
    lines.add("min.insync.replicas=1");
    lines.add("offsets.topic.replication.factor=1");
    lines.add("transaction.state.log.replication.factor=1");
    lines.add("transaction.state.log.min.isr=1");
    lines.add("share.coordinator.state.topic.replication.factor=1");
    lines.add("share.coordinator.state.topic.min.isr=1");
    lines.add("group.initial.rebalance.delay.ms=0");
    // Secured, as in production: topics are created by an admin, never by a client's first use.
    lines.add("auto.create.topics.enable=" + security.isEmpty());
    Path config = settings.dataDir().resolve("server.properties");
    Files.write(config, lines, StandardCharsets.UTF_8);
    return config;
  }

  /** Formats storage once; the cluster id is kept in the data folder so a retry reuses it. */
  private void formatStorageIfNeeded(Path config) throws IOException, InterruptedException {
    if (Files.exists(logDir().resolve("meta.properties"))) {
      return;
    }
    Path clusterIdFile = settings.dataDir().resolve("cluster.id");
    String id;
    if (Files.exists(clusterIdFile)) {
      id = Files.readString(clusterIdFile, StandardCharsets.UTF_8).trim();
    } else {
      id = Uuid.randomUuid().toString();
      Files.writeString(clusterIdFile, id + System.lineSeparator(), StandardCharsets.UTF_8);
    }
    List<String> formatArgs = new ArrayList<>(List.of("format", "-t", id, "-c", config.toString()));
    security.ifPresent(
        s -> {
          Map<String, String> users = new java.util.TreeMap<>(s.users());
          users.put(Security.ADMIN, s.adminPassword());
          users.forEach(
              (name, password) -> {
                formatArgs.add("--add-scram");
                formatArgs.add(
                    Security.MECHANISM + "=[name=" + name + ",password=" + password + "]");
              });
        });
    Process format =
        javaCommand("kafka.tools.StorageTool", formatArgs.toArray(String[]::new))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
            .start();
    if (!format.waitFor(FORMAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      format.destroyForcibly();
      throw new LocalStartupException(
          "Formatting Kafka storage did not finish within "
              + FORMAT_TIMEOUT
              + "; see "
              + logFile());
    }
    if (format.exitValue() != 0) {
      throw new LocalStartupException(
          "Formatting Kafka storage failed (exit code "
              + format.exitValue()
              + "); see "
              + logFile()
              + lastLines());
    }
  }

  private ProcessBuilder javaCommand(String mainClass, String... args) {
    return ChildJvm.command(
            JVM_OPTIONS,
            settings.kafkaLibs().toAbsolutePath() + java.io.File.separator + "*",
            mainClass,
            List.of(args))
        .directory(settings.dataDir().toFile());
  }

  /** Waits until the port accepts connections, then until the broker answers an admin request. */
  private void awaitReady(Process broker) throws InterruptedException {
    Instant deadline = Instant.now().plus(settings.startupTimeout());
    while (!acceptsConnections()) {
      if (broker.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
        throw exitedDuringStartup(broker);
      }
      if (Instant.now().isAfter(deadline)) {
        throw notReadyInTime("its port " + bootstrapServers() + " never accepted connections");
      }
    }
    long remainingMillis = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
    Properties config = new Properties();
    config.putAll(adminClientConfig());
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "local-exchange-readiness");
    try (Admin admin = Admin.create(config)) {
      clusterId =
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs((int) remainingMillis))
              .clusterId()
              .get(remainingMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      if (!broker.isAlive()) {
        throw exitedDuringStartup(broker);
      }
      throw notReadyInTime("it did not answer describeCluster: " + e.getMessage());
    }
  }

  private boolean acceptsConnections() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, settings.port()), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private LocalStartupException exitedDuringStartup(Process broker) {
    return new LocalStartupException(
        "Kafka broker exited during start-up (exit code "
            + broker.exitValue()
            + "); see "
            + logFile()
            + lastLines());
  }

  private LocalStartupException notReadyInTime(String reason) {
    return new LocalStartupException(
        "Kafka broker was not ready within "
            + settings.startupTimeout().toSeconds()
            + " s: "
            + reason
            + "; see "
            + logFile()
            + lastLines());
  }

  /** The end of the broker log, so the reason shows without opening the file. */
  private String lastLines() {
    return ChildJvm.lastLines(logFile());
  }
}
