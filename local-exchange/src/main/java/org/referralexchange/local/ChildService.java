package org.referralexchange.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * One of the three services as a child JVM, built with the local launcher's arguments and run the
 * way the launcher's crash tests run it, for tools outside this module: the history benchmark
 * measures each service's time to ready and heap in a JVM of its own. The demo providers, mail and
 * SMS catchers are not started: their addresses point at a closed port, which a service with no
 * work left (every referral answered and told) never calls.
 */
public final class ChildService {

  /** A loopback address nothing listens on (the discard port). */
  private static final String NOWHERE = KafkaBrokerComponent.HOST + ":9";

  private final SpringServiceComponent component;

  private ChildService(SpringServiceComponent component) {
    this.component = component;
  }

  /**
   * @param service {@code gateway}, {@code adapter} or {@code notifier}
   * @param keysetFile the client-data keyset (the gateway and the adapter read it)
   * @param log the child's output, appended
   * @param jvmOptions after the launcher's child defaults, e.g. {@code -Xmx4g}
   * @param arguments after the service's own, e.g. a state directory
   * @param startupTimeout how long the service may take to answer readiness with 200
   */
  public static ChildService of(
      String service,
      String bootstrapServers,
      String registryUrl,
      Path keysetFile,
      Path log,
      List<String> jvmOptions,
      List<String> arguments,
      Duration startupTimeout) {
    LocalSettings defaults = LocalSettings.from(new String[0], new Properties(), Map.of());
    LocalExchange.DemoClocks clocks = LocalExchange.DemoClocks.local(defaults);
    SpringServiceComponent component =
        switch (service) {
          case "gateway" ->
              new GatewayComponent(
                  () -> bootstrapServers,
                  () -> registryUrl,
                  new GatewayComponent.Settings(0, keysetFile, startupTimeout));
          case "adapter" ->
              new AdapterComponent(
                  () -> bootstrapServers,
                  () -> registryUrl,
                  new AdapterComponent.Settings(0, keysetFile, startupTimeout),
                  new AdapterComponent.Providers(
                      () -> "http://" + NOWHERE + "/webhooks",
                      DemoProvidersComponent.WEBHOOK_SECRET,
                      () -> "http://" + NOWHERE + "/fhir",
                      clocks.pollInterval(),
                      clocks.tick(),
                      clocks.responseWindow(),
                      clocks.grace(),
                      true));
          case "notifier" ->
              new NotifierComponent(
                  () -> bootstrapServers,
                  () -> registryUrl,
                  new NotifierComponent.Settings(
                      0,
                      startupTimeout,
                      clocks.tick(),
                      "",
                      // A harness that measures warm starts names its own
                      // (spring.kafka.streams.state-dir wins).
                      Path.of(
                          System.getProperty("java.io.tmpdir"),
                          "child-notifier-streams-" + UUID.randomUUID())),
                  new NotifierComponent.Channels(
                      () -> NOWHERE, () -> "http://" + NOWHERE, () -> "http://" + NOWHERE));
          default -> throw new IllegalArgumentException("No service " + service);
        };
    component.runInChildProcess(log, arguments, jvmOptions);
    return new ChildService(component);
  }

  /** Starts the child JVM and returns once it answers readiness with 200; throws if it cannot. */
  public void start() throws Exception {
    component.start();
  }

  /** SIGTERM, then SIGKILL after a while, as a supervisor stops a service. */
  public void stop() {
    component.stop();
  }

  /** The running child's process id. */
  public long pid() {
    return component
        .process()
        .orElseThrow(() -> new IllegalStateException(component.name() + " is not running"))
        .pid();
  }

  /** Base URL, e.g. {@code http://127.0.0.1:41234}; known from the first start on. */
  public String url() {
    return component.url();
  }

  public String name() {
    return component.name();
  }
}
