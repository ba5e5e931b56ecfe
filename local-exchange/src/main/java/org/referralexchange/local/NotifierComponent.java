package org.referralexchange.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.referralexchange.notifier.NotifierApplication;

/**
 * The notifier, run in this JVM with its own {@code notifier.yml}, sending email to the local mail
 * catcher and SMS through the local stand-in for Twilio's API. The notifier's property names are
 * used here and nowhere else.
 */
final class NotifierComponent extends SpringServiceComponent {

  static final String CONFIG_FILE = "notifier.yml";

  /** Twilio credentials of the local SMS catcher; it accepts any, these are not secrets. */
  static final String LOCAL_TWILIO_ACCOUNT = "AC00000000000000000000000000000000";

  static final String LOCAL_TWILIO_FROM = "+15550001000";

  /**
   * @param port HTTP port, 0 for any free one
   * @param startupTimeout how long the notifier may take to answer readiness with 200
   * @param tick how often the notifier looks for status changes to tell
   * @param quietHours SMS quiet hours, {@code HH:mm-HH:mm}, blank for none
   * @param stateDir its Kafka Streams stores; one per instance, kept across restarts of this run.
   *     Its name is also the instance's static-membership name ({@code
   *     exchange.streams.instance-id}), so a restarted instance takes its tasks back at once
   */
  record Settings(
      int port, Duration startupTimeout, Duration tick, String quietHours, Path stateDir) {}

  /**
   * @param smtp the mail catcher, {@code host:port}
   * @param twilioBaseUrl the SMS catcher's base URL
   * @param gatewayUrl the gateway's base URL, for the links in messages
   */
  record Channels(
      Supplier<String> smtp, Supplier<String> twilioBaseUrl, Supplier<String> gatewayUrl) {}

  private final Supplier<String> bootstrapServers;
  private final Supplier<String> registryUrl;
  private final Settings settings;
  private final Channels channels;

  NotifierComponent(
      Supplier<String> bootstrapServers,
      Supplier<String> registryUrl,
      Settings settings,
      Channels channels) {
    super(
        NotifierApplication.class,
        CONFIG_FILE,
        settings.port(),
        LocalSettings.NOTIFIER_PORT,
        settings.startupTimeout());
    this.bootstrapServers = bootstrapServers;
    this.registryUrl = registryUrl;
    this.settings = settings;
    this.channels = channels;
  }

  @Override
  public String name() {
    return "notifier";
  }

  @Override
  List<String> arguments() {
    String smtp = channels.smtp().get();
    int colon = smtp.lastIndexOf(':');
    return List.of(
        "--spring.autoconfigure.exclude=" + SECURITY_AUTO_CONFIGURATION,
        "--springdoc.api-docs.enabled=false",
        "--springdoc.swagger-ui.enabled=false",
        "--spring.kafka.bootstrap-servers=" + bootstrapServers.get(),
        "--spring.kafka.properties.schema.registry.url=" + registryUrl.get(),
        "--spring.mail.host=" + smtp.substring(0, colon),
        "--spring.mail.port=" + smtp.substring(colon + 1),
        "--notifier.tick-interval=" + settings.tick(),
        "--exchange.streams.state-dir=" + settings.stateDir(),
        "--exchange.streams.instance-id=" + settings.stateDir().getFileName(),
        "--notifier.sms-quiet-hours=" + settings.quietHours(),
        "--notifier.gateway-base-url=" + channels.gatewayUrl().get(),
        "--notifier.twilio.enabled=true",
        "--notifier.twilio.account-sid=" + LOCAL_TWILIO_ACCOUNT,
        "--notifier.twilio.auth-token=local-only",
        "--notifier.twilio.from-number=" + LOCAL_TWILIO_FROM,
        "--notifier.twilio.api-base-url=" + channels.twilioBaseUrl().get());
  }

  @Override
  public Map<String, String> describe() {
    String url = url();
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Notifier health", url + "/actuator/health");
    lines.put("Notifier metrics", url + "/actuator/prometheus");
    return lines;
  }
}
