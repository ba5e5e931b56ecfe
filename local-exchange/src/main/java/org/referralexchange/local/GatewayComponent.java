package org.referralexchange.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.referralexchange.envelope.EnvelopeKeys;
import org.referralexchange.gateway.ReferralGatewayApplication;

/**
 * The referral gateway, run in this JVM with its own {@code referral-gateway.yml}. What the
 * launcher decides (where Kafka and the registry are, the port, the keyset) is passed as
 * command-line arguments, which outrank that file. The gateway's property names are used here and
 * nowhere else.
 */
final class GatewayComponent extends SpringServiceComponent {

  /**
   * The demo agencies' API keys, agency id to key. Only their SHA-256 is in the gateway's {@code
   * referral-gateway.yml} (the keys are in its comment); a test checks each one authenticates.
   */
  static final Map<String, String> DEMO_API_KEYS = demoApiKeys();

  /** The gateway's own configuration file (see {@code @ServiceConfigFile}). */
  static final String CONFIG_FILE = "referral-gateway.yml";

  static final String API_KEY_HEADER = "X-Api-Key";

  /**
   * @param port HTTP port, 0 for any free one
   * @param keysetFile the Tink keyset sealing client data; created on first start, then reused
   * @param startupTimeout how long the gateway may take to answer readiness with 200
   */
  record Settings(int port, Path keysetFile, Duration startupTimeout) {}

  private final Supplier<String> bootstrapServers;
  private final Supplier<String> registryUrl;
  private final Settings settings;
  private volatile boolean keysetCreated;

  /**
   * @param bootstrapServers Kafka, asked for when the gateway starts
   * @param registryUrl the schema registry's base URL, asked for when the gateway starts
   */
  GatewayComponent(
      Supplier<String> bootstrapServers, Supplier<String> registryUrl, Settings settings) {
    super(
        ReferralGatewayApplication.class,
        CONFIG_FILE,
        settings.port(),
        LocalSettings.GATEWAY_PORT,
        settings.startupTimeout());
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

  /** The local run's HMAC secret for client pseudonyms: known to all, so never for real data. */
  static final String LOCAL_HMAC_SECRET = "local-only-hmac-secret-change-me";

  @Override
  List<String> arguments() throws IOException {
    keysetCreated = ensureKeyset(settings.keysetFile());
    System.out.println(
        "[local-exchange] "
            + (keysetCreated ? "Created" : "Reusing")
            + " the client-data keyset "
            + settings.keysetFile());
    return List.of(
        "--spring.kafka.bootstrap-servers=" + bootstrapServers.get(),
        "--spring.kafka.properties.schema.registry.url=" + registryUrl.get(),
        "--gateway.encryption.keyset-file=" + settings.keysetFile(),
        // The gateway has no HMAC secret of its own outside the local run: this one is local only,
        // and GATEWAY_HMAC_SECRET still wins (Spring resolves the placeholder in the argument).
        "--gateway.hmac-secret=${GATEWAY_HMAC_SECRET:" + LOCAL_HMAC_SECRET + "}",
        // The case manager's pages: the demo sign-in (off everywhere else), and a session cookie
        // the browser sends back over the local run's plain http.
        "--gateway.web.demo-sign-in.enabled=true",
        "--server.servlet.session.cookie.secure=false");
  }

  @Override
  public Map<String, String> describe() {
    String url = url();
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Case manager pages", url + "/referrals (demo sign-in: Casey Manager, county-hhs)");
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

  private static FileAttribute<?>[] ownerOnly(Path path, String permissions) {
    if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[] {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))
      };
    }
    return new FileAttribute<?>[0];
  }

  private static Map<String, String> demoApiKeys() {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("county-hhs", "local-county-hhs-key");
    keys.put("harbor-shelter", "local-shelter-key");
    keys.put("northside-food-bank", "local-foodbank-key");
    return Collections.unmodifiableMap(keys);
  }
}
