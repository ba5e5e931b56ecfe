package org.referralexchange.local;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings of the local exchange. Each one is read from a {@code --name=value} argument, else the
 * system property {@code name}, else the environment variable {@code NAME} (upper case, dots and
 * dashes as underscores, e.g. {@code EXCHANGE_KAFKA_PORT}), else its default.
 *
 * @param kafkaDataDir broker data, kept across restarts ({@code exchange.kafka.data-dir})
 * @param kafkaLibs the broker's jars, copied there by the build ({@code exchange.kafka-libs})
 * @param kafkaPort the PLAINTEXT listener clients use ({@code exchange.kafka.port})
 * @param controllerPort the KRaft controller listener ({@code exchange.kafka.controller-port})
 * @param kafkaStartupTimeout how long the broker may take to be ready ({@code
 *     exchange.kafka.startup-timeout-seconds})
 * @param registryPort the schema registry's HTTP port, 0 for any free one ({@code
 *     exchange.registry.port})
 * @param gatewayPort the referral gateway's HTTP port, 0 for any free one ({@code
 *     exchange.gateway.port})
 * @param adapterPort the agency adapter's HTTP port, 0 for any free one ({@code
 *     exchange.adapter.port})
 * @param notifierPort the notifier's HTTP port, 0 for any free one ({@code exchange.notifier.port})
 * @param serviceStartupTimeout how long each service may take to be ready ({@code
 *     exchange.service.startup-timeout-seconds})
 * @param webhookProviderPort the demo webhook provider's HTTP port ({@code
 *     exchange.demo.webhook-port})
 * @param fhirProviderPort the demo FHIR provider's HTTP port ({@code exchange.demo.fhir-port})
 * @param demoAnswerDelay how long the demo providers take to answer a referral ({@code
 *     exchange.demo.answer-delay-seconds})
 * @param demoResponseWindow how long the demo providers have to answer a referral that names no
 *     respondBy before the case manager is reminded ({@code exchange.demo.response-window}, an
 *     ISO-8601 duration, default {@code PT2M})
 * @param demoGrace how long after that an unanswered referral returns to its case manager ({@code
 *     exchange.demo.grace}, default {@code PT2M})
 * @param smtpPort the mail catcher's SMTP port ({@code exchange.mail.smtp-port})
 * @param mailFolder where caught email is written as {@code .eml} files ({@code
 *     exchange.mail.folder}, default {@code .local/mail})
 * @param smsPort the SMS catcher's HTTP port ({@code exchange.sms.port})
 * @param smsFolder where caught SMS are written as text files ({@code exchange.sms.folder}, default
 *     {@code .local/sms})
 * @param keysetFile the Tink keyset that seals client data, created on the first run and reused
 *     after; the gateway and (later) the agency adapter share it ({@code exchange.keyset-file},
 *     default {@code .local/keys/client-data.json})
 * @param launchedAtMillis when the run script started, to report the full time to ready ({@code
 *     exchange.launched-at}, epoch milliseconds)
 */
record LocalSettings(
    Path kafkaDataDir,
    Path kafkaLibs,
    int kafkaPort,
    int controllerPort,
    Duration kafkaStartupTimeout,
    int registryPort,
    int gatewayPort,
    int adapterPort,
    int notifierPort,
    Duration serviceStartupTimeout,
    int webhookProviderPort,
    int fhirProviderPort,
    Duration demoAnswerDelay,
    Duration demoResponseWindow,
    Duration demoGrace,
    int smtpPort,
    Path mailFolder,
    int smsPort,
    Path smsFolder,
    Path keysetFile,
    OptionalLong launchedAtMillis) {

  static final String KAFKA_DATA_DIR = "exchange.kafka.data-dir";
  static final String KAFKA_LIBS = "exchange.kafka-libs";
  static final String KAFKA_PORT = "exchange.kafka.port";
  static final String CONTROLLER_PORT = "exchange.kafka.controller-port";
  static final String KAFKA_STARTUP_TIMEOUT = "exchange.kafka.startup-timeout-seconds";
  static final String REGISTRY_PORT = "exchange.registry.port";
  static final String GATEWAY_PORT = "exchange.gateway.port";
  static final String ADAPTER_PORT = "exchange.adapter.port";
  static final String NOTIFIER_PORT = "exchange.notifier.port";
  static final String SERVICE_STARTUP_TIMEOUT = "exchange.service.startup-timeout-seconds";
  static final String WEBHOOK_PROVIDER_PORT = "exchange.demo.webhook-port";
  static final String FHIR_PROVIDER_PORT = "exchange.demo.fhir-port";
  static final String DEMO_ANSWER_DELAY = "exchange.demo.answer-delay-seconds";
  static final String DEMO_RESPONSE_WINDOW = "exchange.demo.response-window";
  static final String DEMO_GRACE = "exchange.demo.grace";
  static final String SMTP_PORT = "exchange.mail.smtp-port";
  static final String MAIL_FOLDER = "exchange.mail.folder";
  static final String SMS_PORT = "exchange.sms.port";
  static final String SMS_FOLDER = "exchange.sms.folder";
  static final String KEYSET_FILE = "exchange.keyset-file";
  static final String LAUNCHED_AT = "exchange.launched-at";

  private static final Pattern NESTED_JAR = Pattern.compile("^jar:nested:(.+?\\.jar)/!");

  /** Settings of the running JVM: its arguments, system properties and environment. */
  static LocalSettings fromEnvironment(String[] args) {
    return from(args, System.getProperties(), System.getenv());
  }

  static LocalSettings from(String[] args, Properties systemProperties, Map<String, String> env) {
    Map<String, String> arguments = parseArguments(args);
    Lookup lookup = name -> lookup(name, arguments, systemProperties, env);
    String launchedAt = lookup.get(LAUNCHED_AT);
    String kafkaLibs = lookup.get(KAFKA_LIBS);
    return new LocalSettings(
        Path.of(orDefault(lookup.get(KAFKA_DATA_DIR), ".local/kafka")).toAbsolutePath(),
        kafkaLibs != null ? Path.of(kafkaLibs).toAbsolutePath() : kafkaLibsBesideLauncher(),
        intSetting(lookup, KAFKA_PORT, 9092),
        intSetting(lookup, CONTROLLER_PORT, 9093),
        Duration.ofSeconds(intSetting(lookup, KAFKA_STARTUP_TIMEOUT, 90)),
        intSetting(lookup, REGISTRY_PORT, 8081),
        intSetting(lookup, GATEWAY_PORT, 8080),
        intSetting(lookup, ADAPTER_PORT, 8082),
        intSetting(lookup, NOTIFIER_PORT, 8083),
        Duration.ofSeconds(intSetting(lookup, SERVICE_STARTUP_TIMEOUT, 60)),
        intSetting(lookup, WEBHOOK_PROVIDER_PORT, 8091),
        intSetting(lookup, FHIR_PROVIDER_PORT, 8092),
        Duration.ofSeconds(intSetting(lookup, DEMO_ANSWER_DELAY, 3)),
        durationSetting(lookup, DEMO_RESPONSE_WINDOW, Duration.ofMinutes(2)),
        durationSetting(lookup, DEMO_GRACE, Duration.ofMinutes(2)),
        intSetting(lookup, SMTP_PORT, 1025),
        Path.of(orDefault(lookup.get(MAIL_FOLDER), ".local/mail")).toAbsolutePath(),
        intSetting(lookup, SMS_PORT, 8093),
        Path.of(orDefault(lookup.get(SMS_FOLDER), ".local/sms")).toAbsolutePath(),
        Path.of(orDefault(lookup.get(KEYSET_FILE), ".local/keys/client-data.json"))
            .toAbsolutePath(),
        launchedAt == null || launchedAt.isBlank()
            ? OptionalLong.empty()
            : OptionalLong.of(Long.parseLong(launchedAt.trim())));
  }

  /**
   * The {@code kafka-libs} folder beside the launcher: beside {@code local-exchange.jar} when run
   * with {@code java -jar}, or beside {@code target/classes} when run from the build or an IDE.
   */
  static Path kafkaLibsBesideLauncher() {
    String location =
        LocalSettings.class.getProtectionDomain().getCodeSource().getLocation().toString();
    Matcher nested = NESTED_JAR.matcher(location);
    Path launcher =
        nested.find()
            ? Path.of(URI.create("file:" + nested.group(1)))
            : Path.of(URI.create(location));
    return launcher.toAbsolutePath().getParent().resolve("kafka-libs");
  }

  private static Map<String, String> parseArguments(String[] args) {
    Map<String, String> parsed = new HashMap<>();
    for (String arg : args) {
      int equals = arg.indexOf('=');
      if (!arg.startsWith("--") || equals < 0) {
        throw new IllegalArgumentException(
            "Unknown argument '"
                + arg
                + "'; expected --name=value, e.g. --"
                + KAFKA_PORT
                + "=9092");
      }
      parsed.put(arg.substring(2, equals), arg.substring(equals + 1));
    }
    return parsed;
  }

  private static String lookup(
      String name, Map<String, String> arguments, Properties properties, Map<String, String> env) {
    if (arguments.containsKey(name)) {
      return arguments.get(name);
    }
    String property = properties.getProperty(name);
    if (property != null) {
      return property;
    }
    return env.get(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
  }

  private static int intSetting(Lookup lookup, String name, int defaultValue) {
    String value = lookup.get(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, was '" + value + "'", e);
    }
  }

  private static Duration durationSetting(Lookup lookup, String name, Duration defaultValue) {
    String value = lookup.get(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      Duration duration = Duration.parse(value.trim());
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was '" + value + "'");
      }
      return duration;
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(
          name + " must be an ISO-8601 duration such as PT2M, was '" + value + "'", e);
    }
  }

  private static String orDefault(String value, String defaultValue) {
    return value == null || value.isBlank() ? defaultValue : value;
  }

  @FunctionalInterface
  private interface Lookup {
    String get(String name);
  }
}
