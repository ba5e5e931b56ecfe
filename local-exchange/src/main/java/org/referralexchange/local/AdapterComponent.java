package org.referralexchange.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.referralexchange.adapter.AgencyAdapterApplication;

/**
 * The agency adapter, run in this JVM with its own {@code agency-adapter.yml}, pointed at the demo
 * providers. It opens client data with the gateway's keyset. The adapter's property and variable
 * names are used here and nowhere else.
 */
final class AdapterComponent extends SpringServiceComponent {

  static final String CONFIG_FILE = "agency-adapter.yml";

  /** The demo email-intake provider, named in the adapter's file, on in the local run. */
  static final String INTAKE_PROVIDER_ID = "community-pantry";

  /**
   * Where the adapter reaches the demo providers, and their clocks. The adapter's file names the
   * two demo providers and reads these variables; command-line arguments are one more place they
   * are looked up.
   *
   * @param webhookEndpoint the demo webhook provider's (northside-food-bank) endpoint
   * @param webhookSecret the Standard Webhooks secret it shares with the adapter
   * @param fhirBaseUrl the demo FHIR provider's (riverside-housing) base URL
   * @param pollInterval how often the adapter polls the FHIR provider's Tasks
   * @param tick how often the adapter looks for work (deliveries, the response clock)
   * @param responseWindow business time a provider has to answer; short for demos
   * @param grace business time after that before a referral returns to its case manager
   * @param alwaysOpen whether the demo providers work around the clock (so a demo at night moves)
   */
  record Providers(
      Supplier<String> webhookEndpoint,
      String webhookSecret,
      Supplier<String> fhirBaseUrl,
      Duration pollInterval,
      Duration tick,
      Duration responseWindow,
      Duration grace,
      boolean alwaysOpen) {}

  /**
   * @param port HTTP port, 0 for any free one
   * @param keysetFile the gateway's client-data keyset
   * @param startupTimeout how long the adapter may take to answer readiness with 200
   */
  record Settings(int port, Path keysetFile, Duration startupTimeout) {}

  private final Supplier<String> bootstrapServers;
  private final Supplier<String> registryUrl;
  private final Providers providers;

  AdapterComponent(
      Supplier<String> bootstrapServers,
      Supplier<String> registryUrl,
      Settings settings,
      Providers providers) {
    super(
        AgencyAdapterApplication.class,
        CONFIG_FILE,
        settings.port(),
        LocalSettings.ADAPTER_PORT,
        settings.startupTimeout());
    this.bootstrapServers = bootstrapServers;
    this.registryUrl = registryUrl;
    this.providers = providers;
    this.keysetFile = settings.keysetFile();
  }

  private final Path keysetFile;

  /** The mail catcher, {@code host:port}, for the demo email-intake provider; null: it is off. */
  private Supplier<String> intakeSmtp;

  /**
   * Turns on the demo email-intake provider (community-pantry), its emails caught by {@code smtp},
   * its links signed with a secret made for this run.
   */
  void intakeMail(Supplier<String> smtp) {
    this.intakeSmtp = smtp;
  }

  private final String intakeLinkSecret = java.util.HexFormat.of().formatHex(random32());

  /** The secret this run signs intake links with: tests sign links the adapter must refuse. */
  String intakeLinkSecret() {
    return intakeLinkSecret;
  }

  private static byte[] random32() {
    byte[] bytes = new byte[32];
    new java.security.SecureRandom().nextBytes(bytes);
    return bytes;
  }

  @Override
  public String name() {
    return "agency-adapter";
  }

  @Override
  List<String> arguments() {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--spring.autoconfigure.exclude=" + SECURITY_AUTO_CONFIGURATION,
                "--springdoc.api-docs.enabled=false",
                "--springdoc.swagger-ui.enabled=false",
                "--spring.kafka.bootstrap-servers=" + bootstrapServers.get(),
                "--spring.kafka.properties.schema.registry.url=" + registryUrl.get(),
                "--adapter.encryption.keyset-file=" + keysetFile,
                "--adapter.tick-interval=" + providers.tick(),
                "--adapter.minimum-poll-interval=" + providers.pollInterval(),
                "--NORTHSIDE_WEBHOOK_URL=" + providers.webhookEndpoint().get(),
                "--NORTHSIDE_WEBHOOK_SECRET=" + providers.webhookSecret(),
                "--RIVERSIDE_FHIR_URL=" + providers.fhirBaseUrl().get()));
    if (intakeSmtp != null) {
      String smtp = intakeSmtp.get();
      int colon = smtp.lastIndexOf(':');
      args.add("--PANTRY_ENABLED=true");
      args.add("--ADAPTER_SMTP_HOST=" + smtp.substring(0, colon));
      args.add("--ADAPTER_SMTP_PORT=" + smtp.substring(colon + 1));
      args.add("--ADAPTER_INTAKE_LINK_SECRET=" + intakeLinkSecret);
    }
    for (String provider : List.of("NORTHSIDE", "RIVERSIDE", "PANTRY")) {
      args.add("--" + provider + "_RESPONSE_WINDOW=" + providers.responseWindow());
      args.add("--" + provider + "_GRACE=" + providers.grace());
      args.add("--" + provider + "_POLL_INTERVAL=" + providers.pollInterval());
      if (providers.alwaysOpen()) {
        args.add("--" + provider + "_OPENS_AT=00:00");
        args.add("--" + provider + "_CLOSES_AT=23:59:59.999");
        args.add(
            "--"
                + provider
                + "_BUSINESS_DAYS=MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY");
      }
    }
    return args;
  }

  @Override
  public Map<String, String> describe() {
    String url = url();
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Adapter health", url + "/actuator/health");
    lines.put("Adapter webhook callbacks", url + "/providers/{providerId}/status");
    lines.put("Provider intake pages (links in caught email)", url + "/intake/{referralId}/{link}");
    lines.put("Adapter metrics", url + "/actuator/prometheus");
    return lines;
  }
}
