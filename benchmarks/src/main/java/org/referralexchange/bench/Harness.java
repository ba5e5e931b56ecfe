package org.referralexchange.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the service harnesses (gateway, adapter, notifier) share: medians and ranges of per-round
 * values, the process's CPU and GC time, the machine's load, waiting for a service's readiness, and
 * the gateway requests (a consent, a referral) as the gateway's integration tests send them. It
 * links against no service, so each harness can run with only its own service on the class path.
 */
final class Harness {

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private Harness() {}

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** "(min – max)" of the values, two decimals. */
  static String range(List<Double> values) {
    return String.format(
        Locale.ROOT,
        "(%.2f – %.2f)",
        values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
        values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
  }

  /**
   * Waits until the service at {@code base} answers its readiness probe with 200: its event log has
   * caught up and the registry answers.
   */
  static void awaitReady(HttpClient http, String base, String service) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    HttpRequest readiness =
        HttpRequest.newBuilder(URI.create(base + "/actuator/health/readiness"))
            .timeout(CALL_TIMEOUT)
            .build();
    int status = 0;
    while (System.nanoTime() < deadline) {
      status = http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status == 200) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        service
            + " not ready within "
            + READY_TIMEOUT.toSeconds()
            + " s (last status "
            + status
            + ")");
  }

  /**
   * Prints the table of CPU time by thread group of some phases: {@code title} (followed by the
   * process total per item), then each group's time per item and share of the process, largest
   * first, leaving out groups under {@code minShare} of the process.
   */
  static void printCpuByThread(
      String title,
      String perItem,
      Map<String, Long> threadNanos,
      long processCpuNanos,
      long items,
      double minShare) {
    System.out.printf(
        Locale.ROOT,
        "%s (process total %,.0f µs/%s):%n%n",
        title,
        processCpuNanos / 1e3 / items,
        perItem);
    System.out.println("| threads | µs per " + perItem + " | share of process |");
    System.out.println("|---|---:|---:|");
    threadNanos.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .filter(e -> e.getValue() >= minShare * processCpuNanos)
        .forEach(
            e ->
                System.out.printf(
                    Locale.ROOT,
                    "| %s | %,.0f | %.0f%% |%n",
                    e.getKey(),
                    e.getValue() / 1e3 / items,
                    100.0 * e.getValue() / processCpuNanos));
    System.out.println();
  }

  /**
   * Before any Avro or slf4j class loads: generated event classes are trusted (Avro 1.12) and
   * Logback is the slf4j provider, unless the command line says otherwise.
   */
  static void prepareJvm() {
    System.setProperty(
        "org.apache.avro.SERIALIZABLE_PACKAGES",
        System.getProperty(
            "org.apache.avro.SERIALIZABLE_PACKAGES", "org.referralexchange.events.v1"));
    System.setProperty(
        "slf4j.provider",
        System.getProperty("slf4j.provider", "ch.qos.logback.classic.spi.LogbackServiceProvider"));
  }

  /** A harness's {@code --name=value} arguments, by name. */
  static Map<String, String> arguments(String[] args) {
    Map<String, String> given = new java.util.HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("Expected --name=value, got " + arg);
      }
      given.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    return given;
  }

  /** The first lines of every table: when, on what machine, under what load, with what options. */
  static void printRunHeader(Object options) {
    System.out.printf(
        "%s; %d cores; Java %s; load average %s%n",
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.version"),
        loadAverage());
    System.out.println(options);
  }

  /** The stand-in schema registry on a free loopback port, storing schemas in this broker. */
  static ConfigurableApplicationContext startRegistry(String bootstrap) {
    return SchemaRegistryApplication.builder()
        .run(
            "--server.port=0",
            "--server.address=127.0.0.1",
            "--registry.kafka.bootstrap-servers=" + bootstrap,
            "--spring.main.banner-mode=off",
            "--logging.level.root=WARN");
  }

  /** Base URL of an application started on a free loopback port. */
  static String baseUrl(ConfigurableApplicationContext context) {
    return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
  }

  /**
   * A producer as the services build theirs (ExchangeKafkaAutoConfiguration): acks=all, idempotent,
   * the exchange's Avro serializer on the latest registered schema, no auto-registration; {@code
   * lingerMs} 0 for one record per request, more for a batching loader.
   */
  static <V extends SpecificRecord> KafkaProducer<String, V> avroProducer(
      String bootstrap, String registryUrl, int lingerMs) {
    return avroProducer(bootstrap, registryUrl, lingerMs, Map.of());
  }

  /** The same with further producer settings (a bulk loader's batch size, say). */
  static <V extends SpecificRecord> KafkaProducer<String, V> avroProducer(
      String bootstrap, String registryUrl, int lingerMs, Map<String, Object> more) {
    Map<String, Object> config = new HashMap<>(more);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
    config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
    config.put(SerdeConfig.USE_LATEST_VERSION, true);
    AvroSerializer<V> values = new AvroSerializer<>();
    values.configure(config, false);
    return new KafkaProducer<>(config, new StringSerializer(), values);
  }

  /**
   * Lists the demo food bank on the provider directory, as its adapter would: a gateway run without
   * an adapter accepts referrals only to providers the directory lists as served.
   */
  static void listFoodBank(String bootstrap, String registryUrl) throws Exception {
    org.referralexchange.events.v1.ProviderListed entry =
        org.referralexchange.events.v1.ProviderListed.newBuilder()
            .setEventId(java.util.UUID.randomUUID())
            .setOccurredAt(java.time.Instant.now())
            .setProviderId("northside-food-bank")
            .setName("Northside Food Bank")
            .setKind("webhook")
            .setServiceCategories(java.util.List.of("food"))
            .setServices(
                java.util.List.of(
                    org.referralexchange.events.v1.ListedService.newBuilder()
                        .setId("emergency-groceries")
                        .setName("Emergency groceries")
                        .build()))
            .setServed(true)
            .setAdapterId("benchmark")
            .build();
    try (KafkaProducer<String, org.referralexchange.events.v1.ProviderListed> producer =
        avroProducer(bootstrap, registryUrl, 0)) {
      producer
          .send(
              new org.apache.kafka.clients.producer.ProducerRecord<>(
                  org.referralexchange.schemas.Topics.PROVIDER_DIRECTORY.name(),
                  entry.getProviderId(),
                  entry))
          .get();
    }
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime)
        .sum();
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "unknown";
    }
  }

  /**
   * A consent as the gateway's integration tests record it (Requests.consent). Its own copy: the
   * gateway and adapter harnesses run on class paths without local-exchange, whose
   * DemoSeedComponent.consentBody is the local run's.
   */
  static String consentBody(String clientId) {
    Instant signed = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    Instant expires = Instant.now().plus(365, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    return """
        {"clientId": "%s",
         "recipients": {"providerIds": ["northside-food-bank"]},
         "informationCategories": ["DEMOGRAPHICS", "CONTACT_DETAILS", "SOCIAL_NEEDS"],
         "part2": false,
         "purpose": "COC",
         "expiresAt": "%s",
         "signature": {"method": "ELECTRONIC", "signedAt": "%s", "signerRole": "CLIENT"},
         "revocationRightAcknowledged": true,
         "servicesConditionedOnSigning": false,
         "redisclosureNoticeAcknowledged": true,
         "sourceReference": "forms/roi-1"}
        """
        .formatted(clientId, expires, signed);
  }

  /**
   * A referral as the gateway's integration tests submit it (Requests.referral), to {@code
   * northside-food-bank}, whose case manager prefers the given channels (e.g. {@code "EMAIL",
   * "SMS"}).
   */
  static String referralBody(String consentId, String clientId, String... preferredChannels) {
    return """
        {"target": {"providerId": "northside-food-bank", "serviceId": "emergency-groceries"},
         "needs": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes", "code": "food-insecurity", "display": "Food Insecurity"}],
         "narrative": {"needsDescription": "Needs groceries for a family of three", "goals": ["Groceries for two weeks"], "notes": "Call after 5pm"},
         "priority": "URGENT",
         "consent": {"consentId": "%s", "informationCategories": ["DEMOGRAPHICS", "CONTACT_DETAILS", "SOCIAL_NEEDS"], "purpose": "COC", "narrativeCategories": ["SOCIAL_NEEDS"]},
         "client": {"clientId": "%s", "givenName": "Alex", "familyName": "Example",
                    "birthDate": "1980-02-29", "phone": "+15555550199", "email": "alex.example@example.org",
                    "address": {"lines": ["77 Example Lane"], "city": "Springfield", "state": "IL", "postalCode": "62701", "country": "US"},
                    "identifiers": [{"system": "urn:county:mrn", "value": "MRN-4471"}]},
         "caseManager": {"id": "cm-7", "name": "Casey Manager", "email": "casey@county.example",
                         "mobile": "+15555550107", "preferredChannels": [%s], "timeZone": "America/Chicago"},
         "contactingSubjectProhibited": false}
        """
        .formatted(
            consentId,
            clientId,
            String.join(", ", Arrays.stream(preferredChannels).map(c -> "\"" + c + "\"").toList()));
  }

  /**
   * The ends of {@code topics}' partitions now, as a {@code read_committed} reader sees them (the
   * last stable offsets).
   */
  static Map<TopicPartition, Long> endOffsets(String bootstrap, List<String> topics)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
      for (var described : admin.describeTopics(topics).allTopicNames().get().values()) {
        described
            .partitions()
            .forEach(
                p ->
                    latest.put(
                        new TopicPartition(described.name(), p.partition()), OffsetSpec.latest()));
      }
      Map<TopicPartition, Long> ends = new LinkedHashMap<>();
      admin
          .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
          .all()
          .get()
          .forEach((partition, info) -> ends.put(partition, info.offset()));
      return ends;
    }
  }

  /**
   * Waits until {@code group} has committed at least {@code ends} on every partition (asked of the
   * broker every {@code poll}); fails after {@code timeout}.
   */
  static void awaitCommitted(
      String bootstrap,
      String group,
      Map<TopicPartition, Long> ends,
      Duration timeout,
      Duration poll)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        boolean all =
            ends.entrySet().stream()
                .allMatch(
                    e ->
                        e.getValue() == 0
                            || (committed.get(e.getKey()) != null
                                && committed.get(e.getKey()).offset() >= e.getValue()));
        if (all) {
          return;
        }
        Thread.sleep(poll.toMillis());
      }
      throw new IllegalStateException(
          group + " did not commit the ends of its topics within " + timeout);
    }
  }
}
