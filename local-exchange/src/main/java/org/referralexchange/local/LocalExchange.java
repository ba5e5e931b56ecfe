package org.referralexchange.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the exchange on embedded defaults: a real Kafka broker as a child process, then in this JVM
 * the stand-in schema registry, a mail and an SMS catcher, two demo providers, the referral
 * gateway, the agency adapter and the notifier, and a demo consent; prints where each listens, and
 * keeps them up until Ctrl-C.
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

  static final String AVRO_TRUSTED_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";

  /** The packages Avro may instantiate classes from: the exchange's events. */
  private static final String EVENT_PACKAGES = "org.referralexchange.events.v1";

  private final List<LocalComponent> components;
  private final Deque<LocalComponent> started = new ArrayDeque<>();
  private volatile LocalComponent starting;
  private volatile boolean stopping;

  LocalExchange(List<LocalComponent> components) {
    this.components = List.copyOf(components);
  }

  /**
   * The components of the local exchange, in start order: the broker together with the mail and SMS
   * catchers and the demo providers (which the services send to); the registry; the three services
   * together; then the demo consent, recorded through the gateway.
   */
  static List<LocalComponent> components(LocalSettings settings) {
    return components(settings, DemoClocks.local(settings));
  }

  /** The same with other clocks for the adapter and notifier (tests shorten them further). */
  static List<LocalComponent> components(LocalSettings settings, DemoClocks clocks) {
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
    MailCatcherComponent mail =
        new MailCatcherComponent(
            new MailCatcherComponent.Settings(settings.smtpPort(), settings.mailFolder()));
    SmsCatcherComponent sms =
        new SmsCatcherComponent(
            new SmsCatcherComponent.Settings(settings.smsPort(), settings.smsFolder()));
    AdapterComponent[] adapter = new AdapterComponent[1];
    DemoProvidersComponent providers =
        new DemoProvidersComponent(
            new DemoProvidersComponent.Settings(
                settings.webhookProviderPort(),
                settings.fhirProviderPort(),
                settings.demoAnswerDelay()),
            () -> adapter[0].url());
    // Chosen now, not by each service when it starts: the notifier, starting beside the gateway,
    // puts the gateway's address in the links of its messages. And chosen together: a service
    // asking for any free port while the others start could be handed the gateway's.
    int[] chosen = freePorts(3);
    int gatewayPort = settings.gatewayPort() != 0 ? settings.gatewayPort() : chosen[0];
    int adapterPort = settings.adapterPort() != 0 ? settings.adapterPort() : chosen[1];
    int notifierPort = settings.notifierPort() != 0 ? settings.notifierPort() : chosen[2];
    String gatewayUrl = "http://" + KafkaBrokerComponent.HOST + ":" + gatewayPort;
    GatewayComponent gateway =
        new GatewayComponent(
            kafka::bootstrapServers,
            registry::url,
            new GatewayComponent.Settings(
                gatewayPort, settings.keysetFile(), settings.serviceStartupTimeout()));
    adapter[0] =
        new AdapterComponent(
            kafka::bootstrapServers,
            registry::url,
            new AdapterComponent.Settings(
                adapterPort, settings.keysetFile(), settings.serviceStartupTimeout()),
            new AdapterComponent.Providers(
                providers::webhookEndpoint,
                DemoProvidersComponent.WEBHOOK_SECRET,
                providers::fhirBaseUrl,
                clocks.pollInterval(),
                clocks.tick(),
                clocks.responseWindow(),
                clocks.grace(),
                true));
    adapter[0].intakeMail(mail::smtp);
    NotifierComponent notifier =
        new NotifierComponent(
            kafka::bootstrapServers,
            registry::url,
            new NotifierComponent.Settings(
                notifierPort,
                settings.serviceStartupTimeout(),
                clocks.tick(),
                "",
                // Beside the broker's data: kept and wiped with it.
                settings.kafkaDataDir().resolve("notifier-streams")),
            new NotifierComponent.Channels(mail::smtp, sms::url, () -> gatewayUrl));
    DemoSeedComponent seed = new DemoSeedComponent(gateway::url);
    return List.of(
        // The broker is a child process; the demo providers (HAPI's FHIR context) warm up here
        // meanwhile.
        new TogetherComponent("kafka and the demo parts", List.of(kafka, mail, sms, providers)),
        registry,
        new TogetherComponent("services", List.of(gateway, adapter[0], notifier)),
        seed);
  }

  /**
   * How fast the local exchange moves, so that a demo shows every step within minutes.
   *
   * @param tick how often the adapter and the notifier look for work
   * @param pollInterval how often the adapter polls the FHIR provider
   * @param responseWindow how long a provider has to answer (business time; the demo providers work
   *     around the clock)
   * @param grace how long after that before an unanswered referral returns to its case manager
   */
  record DemoClocks(Duration tick, Duration pollInterval, Duration responseWindow, Duration grace) {

    /**
     * The run command's: work looked for every second (5 s and 1 s in the services' files), the
     * FHIR provider polled every 2 s (15 minutes), and the settings' response window and grace (2
     * minutes each by default; 2 business days each in the services' files). The gateway sets no
     * respondBy of its own, so a referral that names none gets these. SMS quiet hours are off, so
     * an evening demo shows its SMS.
     */
    static DemoClocks local(LocalSettings settings) {
      return new DemoClocks(
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          settings.demoResponseWindow(),
          settings.demoGrace());
    }
  }

  /** What this JVM trusts Avro to instantiate, for a child JVM to trust the same. */
  static String avroTrustedPackages() {
    return System.getProperty(AVRO_TRUSTED_PACKAGES, EVENT_PACKAGES);
  }

  /** A loopback port that was free a moment ago. */
  static int freePort() {
    return freePorts(1)[0];
  }

  /** Distinct loopback ports that were free a moment ago: held open together, then let go. */
  static int[] freePorts(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      InetAddress host = InetAddress.getByName(KafkaBrokerComponent.HOST);
      for (int i = 0; i < count; i++) {
        held.add(new ServerSocket(0, 0, host));
      }
      return held.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException e) {
          // Closing a listening socket nobody connected to: nothing to do about a failure.
        }
      }
    }
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
      } catch (RuntimeException | LinkageError e) {
        // LinkageError: e.g. the launcher jar rebuilt under a running launcher; go on, so the
        // broker child process is still stopped.
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
      System.setProperty(AVRO_TRUSTED_PACKAGES, EVENT_PACKAGES);
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
