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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.referralexchange.envelope.EnvelopeKeys;
import org.referralexchange.gateway.ReferralGatewayApplication;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The referral gateway, run in this JVM with its own {@code application.yml}. What the launcher
 * decides (where Kafka and the registry are, the port, the keyset) is passed as command-line
 * arguments, which outrank that file. The gateway's property names are used here and nowhere else.
 */
final class GatewayComponent implements LocalComponent {

  /**
   * The demo agencies' API keys, agency id to key. Only their SHA-256 is in the gateway's {@code
   * application.yml} (the keys are in its comment); a test checks each one authenticates.
   */
  static final Map<String, String> DEMO_API_KEYS = demoApiKeys();

  /** The gateway's own configuration file; it is the only application.* on the classpath. */
  static final String CONFIG_FILE = "application.yml";

  static final String API_KEY_HEADER = "X-Api-Key";
  static final String READINESS_PATH = "/actuator/health/readiness";

  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  /**
   * @param port HTTP port, 0 for any free one
   * @param keysetFile the Tink keyset sealing client data; created on first start, then reused
   * @param startupTimeout how long the gateway may take to answer readiness with 200
   */
  record Settings(int port, Path keysetFile, Duration startupTimeout) {}

  private final Supplier<String> bootstrapServers;
  private final Supplier<String> registryUrl;
  private final Settings settings;
  // Counted down by stop(), so a readiness wait ends at once on Ctrl-C; renewed by start().
  private volatile CountDownLatch stopRequested = new CountDownLatch(1);
  private volatile ConfigurableApplicationContext context;
  private volatile boolean keysetCreated;

  /**
   * @param bootstrapServers Kafka, asked for when the gateway starts
   * @param registryUrl the schema registry's base URL, asked for when the gateway starts
   */
  GatewayComponent(
      Supplier<String> bootstrapServers, Supplier<String> registryUrl, Settings settings) {
    this.bootstrapServers = bootstrapServers;
    this.registryUrl = registryUrl;
    this.settings = settings;
  }

  @Override
  public String name() {
    return "referral-gateway";
  }

  Path keysetFile() {
    return settings.keysetFile();
  }

  /** Whether the last start created the keyset file rather than reusing one. */
  boolean keysetCreated() {
    return keysetCreated;
  }

  @Override
  public void start() throws IOException, InterruptedException {
    synchronized (this) {
      if (context != null) {
        throw new IllegalStateException("Referral gateway already started");
      }
      stopRequested = new CountDownLatch(1);
    }
    requirePortFree();
    requireOnlyTheGatewaysConfigFile(ReferralGatewayApplication.class.getClassLoader());
    keysetCreated = ensureKeyset(settings.keysetFile());
    System.out.println(
        "[local-exchange] "
            + (keysetCreated ? "Created" : "Reusing")
            + " the client-data keyset "
            + settings.keysetFile());
    List<String> args =
        List.of(
            "--server.address=" + KafkaBrokerComponent.HOST,
            "--server.port=" + settings.port(),
            "--spring.kafka.bootstrap-servers=" + bootstrapServers.get(),
            "--spring.kafka.properties.schema.registry.url=" + registryUrl.get(),
            "--gateway.encryption.keyset-file=" + settings.keysetFile(),
            "--" + LocalExchange.LOG_WITHOUT_APPLICATION_NAME);
    ConfigurableApplicationContext started =
        new SpringApplicationBuilder(ReferralGatewayApplication.class)
            .main(ReferralGatewayApplication.class)
            .bannerMode(Banner.Mode.OFF)
            // The launcher's own shutdown hook stops the components in reverse order.
            .registerShutdownHook(false)
            .run(args.toArray(String[]::new));
    synchronized (this) {
      if (stopRequested.getCount() == 0) {
        started.close();
        throw new LocalStartupException("Referral gateway start cancelled: stop was requested");
      }
      context = started;
    }
    awaitReady(baseUrl(started));
  }

  @Override
  public void stop() {
    ConfigurableApplicationContext running;
    synchronized (this) {
      stopRequested.countDown();
      running = context;
      context = null;
    }
    if (running != null) {
      running.close();
    }
  }

  /** Base URL of the running gateway, e.g. {@code http://127.0.0.1:8080}. */
  String url() {
    ConfigurableApplicationContext running = context;
    if (running == null) {
      throw new IllegalStateException("Referral gateway is not running");
    }
    return baseUrl(running);
  }

  private static String baseUrl(ConfigurableApplicationContext gateway) {
    return "http://"
        + KafkaBrokerComponent.HOST
        + ":"
        + gateway.getEnvironment().getProperty("local.server.port");
  }

  @Override
  public Map<String, String> describe() {
    String url = url();
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Gateway API", url + "/api/v1");
    lines.put("Swagger UI", url + "/swagger-ui.html");
    lines.put("Gateway health", url + "/actuator/health");
    DEMO_API_KEYS.forEach((agency, key) -> lines.put("API key " + agency, key));
    lines.put(
        "Try",
        "curl -s -H '"
            + API_KEY_HEADER
            + ": "
            + DEMO_API_KEYS.get("county-hhs")
            + "' "
            + url
            + "/api/v1/me");
    lines.put("Client-data keyset", settings.keysetFile().toString());
    return lines;
  }

  /**
   * Creates a new cleartext keyset, readable by its owner only, unless the file exists; the same
   * file must serve every later run (and the agency adapter), or old envelopes no longer open.
   *
   * @return true if the file was created
   */
  static boolean ensureKeyset(Path file) throws IOException {
    if (Files.exists(file)) {
      if (Files.size(file) == 0) {
        throw new LocalStartupException(
            "The client-data keyset "
                + file
                + " is empty. Delete it to have a new one generated (data sealed with the old"
                + " keyset can then no longer be read).");
      }
      return false;
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir, ownerOnly(dir, "rwx------"));
    // Written beside the file and renamed, so a crash never leaves half a keyset.
    Path temp = Files.createTempFile(dir, ".keyset-", ".tmp", ownerOnly(dir, "rw-------"));
    try {
      Files.writeString(temp, EnvelopeKeys.generateKeysetJson(), StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    return true;
  }

  /**
   * The gateway reads {@code application.yml} from the classpath it shares with the registry; a
   * second such file (say a stale one left in another module's {@code target/classes} by a build
   * without {@code clean}) would be read instead of, or over, the gateway's own.
   */
  static void requireOnlyTheGatewaysConfigFile(ClassLoader loader) throws IOException {
    URL own = ReferralGatewayApplication.class.getResource("/" + CONFIG_FILE);
    if (own == null) {
      throw new LocalStartupException(
          "The referral gateway's " + CONFIG_FILE + " is not on the classpath");
    }
    List<String> others = new ArrayList<>();
    for (String name : List.of(CONFIG_FILE, "application.yaml", "application.properties")) {
      for (URL found : Collections.list(loader.getResources(name))) {
        if (!found.equals(own)) {
          others.add(found.toString());
        }
      }
    }
    if (!others.isEmpty()) {
      throw new LocalStartupException(
          "The referral gateway must be the only part with an application configuration file on"
              + " the classpath, but there is also "
              + String.join(", ", others)
              + ". A build without 'clean' can leave a stale one behind; rebuild with"
              + " 'mvn -B -q clean install -DskipTests'.");
    }
  }

  private void requirePortFree() {
    if (settings.port() == 0) {
      return;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(KafkaBrokerComponent.HOST, settings.port()));
    } catch (IOException e) {
      throw new LocalStartupException(
          "Referral gateway port "
              + KafkaBrokerComponent.HOST
              + ":"
              + settings.port()
              + " is already in use. Stop what listens there or choose another port with --"
              + LocalSettings.GATEWAY_PORT
              + "=<port>.",
          e);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path path, String permissions) {
    if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[] {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))
      };
    }
    return new FileAttribute<?>[0];
  }

  /**
   * Waits until readiness answers 200: the gateway has read the event log and the registry holds
   * the topics' schemas. Ends early when stop is requested.
   */
  private void awaitReady(String baseUrl) throws InterruptedException {
    URI readiness = URI.create(baseUrl + READINESS_PATH);
    Instant deadline = Instant.now().plus(settings.startupTimeout());
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
      if (Instant.now().isAfter(deadline)) {
        stop();
        throw new LocalStartupException(
            "Referral gateway was not ready within "
                + settings.startupTimeout().toSeconds()
                + " s: GET "
                + readiness
                + " last answered "
                + last);
      }
      if (stopRequested.await(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new LocalStartupException("Referral gateway start cancelled: stop was requested");
      }
    }
  }

  private static Map<String, String> demoApiKeys() {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("county-hhs", "local-county-hhs-key");
    keys.put("harbor-shelter", "local-shelter-key");
    keys.put("northside-food-bank", "local-foodbank-key");
    return Collections.unmodifiableMap(keys);
  }
}
