package org.referralexchange.local;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One of the exchange's Spring Boot services, run in this JVM with its own configuration file (see
 * {@code @ServiceConfigFile}). What the launcher decides (where Kafka and the registry are, ports,
 * keyset, the demo parts' addresses) is passed as command-line arguments, which outrank that file.
 * Start returns once the service answers {@code /actuator/health/readiness} with 200.
 *
 * <p>{@link #runInChildProcess} runs it as a child JVM instead, on this JVM's class path and with
 * the same arguments, the way a supervisor runs a service: a test can then kill it with SIGKILL
 * ({@link #process()}) and start it again, which a service inside this JVM cannot survive.
 */
abstract class SpringServiceComponent implements LocalComponent {

  static final String READINESS_PATH = "/actuator/health/readiness";

  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Spring Security's auto-configurations: the gateway brings Spring Security onto the shared class
   * path, and without this the adapter and the notifier would lock their endpoints behind a
   * generated password. Each of them secures its own endpoints (webhook signatures) or has none.
   */
  static final String SECURITY_AUTO_CONFIGURATION =
      SchemaRegistryApplication.SECURITY_AUTO_CONFIGURATION;

  private final Class<?> application;
  private final String configFile;
  private final int port;
  private final String portSetting;
  private final Duration startupTimeout;
  // Counted down by stop(), so a readiness wait ends at once on Ctrl-C; renewed by start().
  private volatile CountDownLatch stopRequested = new CountDownLatch(1);
  private volatile ConfigurableApplicationContext context;

  // Set by runInChildProcess before start: where the child's output goes; null in this JVM.
  private volatile Path childLog;
  // Set with childLog: arguments only the child gets, after the service's own.
  private volatile List<String> childArguments = List.of();
  // Set with childLog: JVM options after CHILD_JVM_OPTIONS, so a later -Xmx outranks the default.
  private volatile List<String> childJvmOptions = List.of();
  // The child's port, chosen at its first start and kept, so its URL survives restarts.
  private volatile int childPort;
  private volatile Process child;

  /**
   * JVM options of a child service: a modest heap (several share two cores and the test's memory),
   * the serial collector and C1 only, which start a Spring service fastest on a small box.
   */
  private static final List<String> CHILD_JVM_OPTIONS =
      List.of(
          "-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true");

  /**
   * @param application the service's {@code @SpringBootApplication} class
   * @param configFile its configuration file, e.g. {@code agency-adapter.yml}
   * @param port HTTP port, 0 for any free one
   * @param portSetting the launcher setting that changes the port, named when it is taken
   * @param startupTimeout how long the service may take to answer readiness with 200
   */
  SpringServiceComponent(
      Class<?> application,
      String configFile,
      int port,
      String portSetting,
      Duration startupTimeout) {
    this.application = application;
    this.configFile = configFile;
    this.port = port;
    this.portSetting = portSetting;
    this.startupTimeout = startupTimeout;
  }

  /** The service's arguments beyond address, port and logging, as {@code --name=value}. */
  abstract List<String> arguments() throws IOException;

  @Override
  public void start() throws IOException, InterruptedException {
    synchronized (this) {
      if (context != null || child != null) {
        throw new IllegalStateException(name() + " already started");
      }
      stopRequested = new CountDownLatch(1);
    }
    boolean inChild = childLog != null;
    if (inChild && childPort == 0) {
      childPort = port != 0 ? port : LocalExchange.freePort();
    }
    requirePortFree(inChild ? childPort : port);
    requireConfigFileOnce(application, configFile, application.getClassLoader());
    List<String> args = new ArrayList<>();
    args.add("--server.address=" + KafkaBrokerComponent.HOST);
    args.add("--server.port=" + (inChild ? childPort : port));
    args.add("--" + LocalExchange.LOG_WITHOUT_APPLICATION_NAME);
    args.addAll(arguments());
    if (inChild) {
      args.addAll(childArguments);
      startChild(args);
      return;
    }
    ConfigurableApplicationContext started =
        new SpringApplicationBuilder(application)
            .main(application)
            .bannerMode(Banner.Mode.OFF)
            // The launcher's own shutdown hook stops the components in reverse order.
            .registerShutdownHook(false)
            .run(args.toArray(String[]::new));
    synchronized (this) {
      if (stopRequested.getCount() == 0) {
        started.close();
        throw new LocalStartupException(name() + " start cancelled: stop was requested");
      }
      context = started;
    }
    awaitReady(baseUrl(started), null);
  }

  /**
   * Runs the service as a child JVM from now on (takes effect at the next start), its output
   * appended to {@code log}. Its port is chosen at the first start and kept for restarts.
   */
  void runInChildProcess(Path log) {
    runInChildProcess(log, List.of());
  }

  /**
   * The same, with {@code --name=value} arguments the child gets beyond the service's own (a test
   * shortening a clock that is only waited out, say).
   */
  void runInChildProcess(Path log, List<String> arguments) {
    runInChildProcess(log, arguments, List.of());
  }

  /**
   * The same, with JVM options after the child's defaults (a benchmark's larger heap, say: a later
   * {@code -Xmx} outranks the default one).
   */
  void runInChildProcess(Path log, List<String> arguments, List<String> jvmOptions) {
    childArguments = List.copyOf(arguments);
    childJvmOptions = List.copyOf(jvmOptions);
    childLog = log;
  }

  private void startChild(List<String> args) throws IOException, InterruptedException {
    Path log = childLog;
    Files.createDirectories(log.toAbsolutePath().getParent());
    Files.writeString(
        log,
        "=== " + name() + " started " + Instant.now() + " ===" + System.lineSeparator(),
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    List<String> jvm = new ArrayList<>(CHILD_JVM_OPTIONS);
    jvm.addAll(childJvmOptions);
    jvm.add("-D" + LocalExchange.AVRO_TRUSTED_PACKAGES + "=" + LocalExchange.avroTrustedPackages());
    Process started =
        ChildJvm.command(jvm, System.getProperty("java.class.path"), application.getName(), args)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    synchronized (this) {
      if (stopRequested.getCount() == 0) {
        started.destroyForcibly();
        throw new LocalStartupException(name() + " start cancelled: stop was requested");
      }
      child = started;
    }
    awaitReady(url(), started);
  }

  /** The service's process while it runs as a child JVM; empty in this JVM or when stopped. */
  Optional<ProcessHandle> process() {
    return Optional.ofNullable(child).map(Process::toHandle);
  }

  @Override
  public void stop() {
    ConfigurableApplicationContext running;
    Process runningChild;
    synchronized (this) {
      stopRequested.countDown();
      running = context;
      context = null;
      runningChild = child;
      child = null;
    }
    if (running != null) {
      running.close();
    }
    if (runningChild != null) {
      ChildJvm.stop(runningChild);
    }
  }

  /**
   * Base URL of the running service, e.g. {@code http://127.0.0.1:8080}. A child service's URL is
   * known from its first start on, also while it is down (a caller then meets a refused connection,
   * as it would in production while the service restarts).
   */
  String url() {
    if (childPort != 0) {
      return "http://" + KafkaBrokerComponent.HOST + ":" + childPort;
    }
    ConfigurableApplicationContext running = context;
    if (running == null) {
      throw new IllegalStateException(name() + " is not running");
    }
    return baseUrl(running);
  }

  /** The running service's application context, for tests. */
  ConfigurableApplicationContext context() {
    ConfigurableApplicationContext running = context;
    if (running == null) {
      throw new IllegalStateException(
          name() + (childLog != null ? " runs in a child process" : " is not running"));
    }
    return running;
  }

  private static String baseUrl(ConfigurableApplicationContext service) {
    return "http://"
        + KafkaBrokerComponent.HOST
        + ":"
        + service.getEnvironment().getProperty("local.server.port");
  }

  /**
   * The service reads {@code configFile} from the class path it shares with the other parts; a
   * second copy (say a stale one left in another module's {@code target/classes} by a build without
   * {@code clean}) would be read instead of, or over, its own.
   */
  static void requireConfigFileOnce(Class<?> application, String configFile, ClassLoader loader)
      throws IOException {
    URL own = application.getResource("/" + configFile);
    if (own == null) {
      throw new LocalStartupException(configFile + " is not on the classpath");
    }
    List<String> others = new ArrayList<>();
    for (URL found : Collections.list(loader.getResources(configFile))) {
      if (!found.equals(own)) {
        others.add(found.toString());
      }
    }
    if (!others.isEmpty()) {
      throw new LocalStartupException(
          configFile
              + " must be on the classpath once, but there is also "
              + String.join(", ", others)
              + ". A build without 'clean' can leave a stale one behind; rebuild with"
              + " 'mvn -B -q clean install -DskipTests'.");
    }
  }

  private void requirePortFree(int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(KafkaBrokerComponent.HOST, port));
    } catch (IOException e) {
      throw new LocalStartupException(
          name()
              + " port "
              + KafkaBrokerComponent.HOST
              + ":"
              + port
              + " is already in use. Stop what listens there or choose another port with --"
              + portSetting
              + "=<port>.",
          e);
    }
  }

  /**
   * Waits until readiness answers 200: the service has read its event log and the registry holds
   * the topics' schemas. Ends early when stop is requested, or when {@code childProcess} (null in
   * this JVM) exits.
   */
  private void awaitReady(String baseUrl, Process childProcess) throws InterruptedException {
    URI readiness = URI.create(baseUrl + READINESS_PATH);
    Instant deadline = Instant.now().plus(startupTimeout);
    String last = "no answer yet";
    HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
    while (true) {
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(readiness).timeout(REQUEST_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = "HTTP " + response.statusCode() + " " + response.body();
      } catch (ConnectException e) {
        last = "connection refused";
      } catch (IOException e) {
        last = e.toString();
      }
      if (childProcess != null && !childProcess.isAlive()) {
        stop();
        throw new LocalStartupException(
            name()
                + " exited during start-up (exit code "
                + childProcess.exitValue()
                + "); see "
                + childLog
                + ChildJvm.lastLines(childLog));
      }
      if (Instant.now().isAfter(deadline)) {
        stop();
        throw new LocalStartupException(
            name()
                + " was not ready within "
                + startupTimeout.toSeconds()
                + " s: GET "
                + readiness
                + " last answered "
                + last);
      }
      if (stopRequested.await(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new LocalStartupException(name() + " start cancelled: stop was requested");
      }
    }
  }
}
