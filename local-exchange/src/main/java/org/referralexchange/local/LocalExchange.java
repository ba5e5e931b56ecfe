package org.referralexchange.local;

import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the exchange on embedded defaults: a real Kafka broker as a child process, then the stand-in
 * schema registry and the referral gateway in this JVM, each printing where it listens, and keeps
 * them up until Ctrl-C.
 *
 * <p>Settings are listed in {@link LocalSettings}; e.g. {@code --exchange.kafka.port=19092}.
 */
public final class LocalExchange {

  /**
   * The in-process applications share one logging system, and Spring Boot records the application
   * name for it only once per JVM, so the first one's name would label every line. The logger names
   * ({@code o.r.registry...}, {@code o.r.gateway...}) tell the parts apart instead.
   */
  static final String LOG_WITHOUT_APPLICATION_NAME = "logging.include-application-name=false";

  private static final String AVRO_TRUSTED_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";

  private final List<LocalComponent> components;
  private final Deque<LocalComponent> started = new ArrayDeque<>();
  private volatile LocalComponent starting;
  private volatile boolean stopping;

  LocalExchange(List<LocalComponent> components) {
    this.components = List.copyOf(components);
  }

  /**
   * The components of the local exchange, in start order. The agency adapter and the notifier join
   * this list when they exist.
   */
  static List<LocalComponent> components(LocalSettings settings) {
    KafkaBrokerComponent kafka =
        new KafkaBrokerComponent(
            new KafkaBrokerComponent.Settings(
                settings.kafkaDataDir(),
                settings.kafkaLibs(),
                settings.kafkaPort(),
                settings.controllerPort(),
                settings.kafkaStartupTimeout()));
    SchemaRegistryComponent registry =
        new SchemaRegistryComponent(kafka::bootstrapServers, settings.registryPort());
    GatewayComponent gateway =
        new GatewayComponent(
            kafka::bootstrapServers,
            registry::url,
            new GatewayComponent.Settings(
                settings.gatewayPort(), settings.keysetFile(), settings.gatewayStartupTimeout()));
    return List.of(kafka, registry, gateway);
  }

  /**
   * Starts every component in order; if one fails, stops those already started and rethrows.
   *
   * @throws Exception the failure of the component that could not start
   */
  void start() throws Exception {
    for (LocalComponent component : components) {
      if (stopping) {
        throw new LocalStartupException("Stopped before " + component.name() + " started");
      }
      long begin = System.nanoTime();
      say("Starting " + component.name() + " ...");
      starting = component;
      try {
        component.start();
      } catch (Exception | Error e) {
        starting = null;
        component.stop();
        stop();
        throw e;
      }
      starting = null;
      synchronized (started) {
        started.push(component);
      }
      say(component.name() + " ready in " + seconds(System.nanoTime() - begin));
    }
  }

  /**
   * Stops the started components in reverse order, and the one still starting, if any; safe to call
   * more than once and from a shutdown hook while {@link #start()} runs.
   */
  void stop() {
    stopping = true;
    LocalComponent inProgress = starting;
    if (inProgress != null) {
      inProgress.stop();
    }
    while (true) {
      LocalComponent component;
      synchronized (started) {
        component = started.poll();
      }
      if (component == null) {
        return;
      }
      say("Stopping " + component.name() + " ...");
      long begin = System.nanoTime();
      try {
        component.stop();
        say(component.name() + " stopped in " + seconds(System.nanoTime() - begin));
      } catch (RuntimeException e) {
        System.err.println("[local-exchange] " + component.name() + " did not stop cleanly: " + e);
      }
    }
  }

  String addresses() {
    List<Map.Entry<String, String>> lines = new ArrayList<>();
    for (LocalComponent component : components) {
      lines.addAll(component.describe().entrySet());
    }
    int width = lines.stream().mapToInt(line -> line.getKey().length()).max().orElse(0);
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, String> line : lines) {
      text.append(
          String.format(Locale.ROOT, "  %-" + width + "s  %s%n", line.getKey(), line.getValue()));
    }
    return text.toString();
  }

  public static void main(String[] args) throws InterruptedException {
    if (System.getProperty(AVRO_TRUSTED_PACKAGES) == null) {
      System.setProperty(AVRO_TRUSTED_PACKAGES, "org.referralexchange.events.v1");
    }
    LocalSettings settings;
    try {
      settings = LocalSettings.fromEnvironment(args);
    } catch (IllegalArgumentException e) {
      System.err.println("[local-exchange] " + e.getMessage());
      System.exit(2);
      return;
    }
    LocalExchange exchange = new LocalExchange(components(settings));
    Runtime.getRuntime().addShutdownHook(new Thread(exchange::stop, "local-exchange-stop"));
    try {
      exchange.start();
    } catch (Exception e) {
      System.err.println("[local-exchange] Could not start: " + describe(e));
      System.exit(1);
      return;
    }
    long now = System.currentTimeMillis();
    String readyIn =
        seconds((now - ManagementFactory.getRuntimeMXBean().getStartTime()) * 1_000_000);
    String sinceLaunch =
        settings.launchedAtMillis().isPresent()
            ? ", "
                + seconds((now - settings.launchedAtMillis().getAsLong()) * 1_000_000)
                + " since run-local.sh was launched"
            : "";
    System.out.printf(
        "%n=== Local exchange ready in %s (JVM start to ready%s) ===%n%s%nPress Ctrl-C to stop.%n",
        readyIn, sinceLaunch, exchange.addresses());
    Thread.currentThread().join();
  }

  private static String describe(Throwable failure) {
    StringBuilder text = new StringBuilder(String.valueOf(failure.getMessage()));
    for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
      text.append(System.lineSeparator()).append("  caused by: ").append(cause);
    }
    return text.toString();
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  private static void say(String message) {
    System.out.println("[local-exchange] " + message);
  }
}
