package org.referralexchange.serde;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/**
 * The serializers' configuration, read from the same keys Confluent's {@code KafkaAvroSerializer}
 * and {@code KafkaAvroDeserializer} use, so a producer or consumer configuration moves between the
 * two unchanged.
 *
 * @param registryUrls {@code schema.registry.url}: one or more base URLs, tried in order
 * @param autoRegisterSchemas {@code auto.register.schemas} (default true): register the record's
 *     schema under the subject on first use
 * @param useLatestVersion {@code use.latest.version} (default false): write with the subject's
 *     latest registered schema instead of the record's own, which is how a topic carrying a union
 *     of event types is written
 * @param specificAvroReader {@code specific.avro.reader} (default false): deserialize to the
 *     generated classes instead of {@code GenericRecord}
 * @param basicAuthHeader the {@code Authorization} header value built from {@code
 *     basic.auth.credentials.source} and {@code basic.auth.user.info}, if any
 * @param requestTimeout {@code schema.registry.request.timeout.ms} (default 5000): how long one
 *     registry request may take
 */
public record SerdeConfig(
    List<URI> registryUrls,
    boolean autoRegisterSchemas,
    boolean useLatestVersion,
    boolean specificAvroReader,
    Optional<String> basicAuthHeader,
    Duration requestTimeout) {

  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
  public static final String USE_LATEST_VERSION = "use.latest.version";
  public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
  public static final String REGISTRY_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
  public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
  public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
  public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

  private static final List<String> TOPIC_NAME_STRATEGIES =
      List.of("io.confluent.kafka.serializers.subject.TopicNameStrategy", "TopicNameStrategy", "");

  public SerdeConfig {
    registryUrls = List.copyOf(registryUrls);
    if (registryUrls.isEmpty()) {
      throw new ConfigException(SCHEMA_REGISTRY_URL, "", "at least one registry URL is required");
    }
  }

  /** Reads and validates a Kafka client configuration map. */
  public static SerdeConfig from(Map<String, ?> configs) {
    List<URI> urls = urls(configs.get(SCHEMA_REGISTRY_URL));
    for (String key : List.of(KEY_SUBJECT_NAME_STRATEGY, VALUE_SUBJECT_NAME_STRATEGY)) {
      Object strategy = configs.get(key);
      String name = strategy instanceof Class<?> c ? c.getName() : String.valueOf(strategy);
      if (strategy != null && !TOPIC_NAME_STRATEGIES.contains(name)) {
        throw new ConfigException(
            key, strategy, "only TopicNameStrategy (<topic>-key, <topic>-value) is supported");
      }
    }
    Optional<String> auth = basicAuth(configs, urls);
    return new SerdeConfig(
        urls.stream().map(SerdeConfig::withoutUserInfo).toList(),
        bool(configs, AUTO_REGISTER_SCHEMAS, true),
        bool(configs, USE_LATEST_VERSION, false),
        bool(configs, SPECIFIC_AVRO_READER, false),
        auth,
        Duration.ofMillis(number(configs, REQUEST_TIMEOUT_MS, 5000)));
  }

  /** The URL without credentials: credentials travel in a header and never in messages. */
  static URI withoutUserInfo(URI uri) {
    if (uri.getUserInfo() == null) {
      return uri;
    }
    return URI.create(
        uri.getScheme()
            + "://"
            + uri.getHost()
            + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
            + uri.getRawPath());
  }

  private static List<URI> urls(Object value) {
    List<String> raw = new ArrayList<>();
    if (value instanceof Collection<?> many) {
      many.forEach(v -> raw.add(String.valueOf(v)));
    } else if (value != null) {
      for (String part : String.valueOf(value).split(",")) {
        raw.add(part);
      }
    }
    List<URI> urls = new ArrayList<>();
    for (String url : raw) {
      String trimmed = url.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      try {
        URI uri = URI.create(trimmed.endsWith("/") ? trimmed : trimmed + "/");
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
          throw new ConfigException(SCHEMA_REGISTRY_URL, trimmed, "must be an http(s) URL");
        }
        urls.add(uri);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(SCHEMA_REGISTRY_URL, trimmed, "not a URL: " + e.getMessage());
      }
    }
    if (urls.isEmpty()) {
      throw new ConfigException(
          SCHEMA_REGISTRY_URL, value, "at least one registry URL is required");
    }
    return urls;
  }

  private static Optional<String> basicAuth(Map<String, ?> configs, List<URI> urls) {
    Object sourceValue = configs.get(BASIC_AUTH_CREDENTIALS_SOURCE);
    String source = sourceValue == null ? "URL" : String.valueOf(sourceValue).trim();
    String userInfo =
        switch (source) {
          case "USER_INFO" -> {
            Object info = configs.get(BASIC_AUTH_USER_INFO);
            if (info == null) {
              info = configs.get(REGISTRY_BASIC_AUTH_USER_INFO);
            }
            if (info == null || !String.valueOf(info).contains(":")) {
              throw new ConfigException(
                  BASIC_AUTH_USER_INFO, "(hidden)", "USER_INFO needs user:password");
            }
            yield String.valueOf(info);
          }
          case "URL" -> urls.get(0).getUserInfo();
          default ->
              throw new ConfigException(
                  BASIC_AUTH_CREDENTIALS_SOURCE, source, "supported sources are USER_INFO and URL");
        };
    if (userInfo == null || userInfo.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "Basic "
            + Base64.getEncoder()
                .encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private static boolean bool(Map<String, ?> configs, String key, boolean fallback) {
    Object value = configs.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    String text = String.valueOf(value).trim();
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(text);
    }
    throw new ConfigException(key, value, "expected true or false");
  }

  private static long number(Map<String, ?> configs, String key, long fallback) {
    Object value = configs.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      long parsed =
          value instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(value).trim());
      if (parsed <= 0) {
        throw new ConfigException(key, value, "must be positive");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new ConfigException(key, value, "expected a number");
    }
  }
}
