package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.schemas.Topics;
import tools.jackson.databind.JsonNode;

/**
 * The fault suite of issue 7, in the way Kafka's own system tests go: a verifiable producer of
 * referrals (a steady load through the gateway's HTTP API, each referral's id known before it is
 * answered), a fault injected mid-load, and a count at every sink: the webhook provider, GreenMail,
 * the SMS stand-in and the dead-letter topics. Every scenario checks that
 *
 * <ul>
 *   <li>every referral that got a 2xx reaches its provider exactly once (repeats counted from the
 *       provider's {@link org.referralexchange.demo.webhook.DemoWebhookProvider#deliveries()});
 *   <li>every notifiable status change in its timeline produced exactly one email and one SMS;
 *   <li>nothing that got a 4xx or 5xx appears at any sink;
 *   <li>the dead-letter topics grew by exactly what was injected.
 * </ul>
 *
 * <p>One exchange for the class, scenarios in order. Short form (the build's {@code mvn verify}):
 * {@value #DEFAULT_REFERRALS} referrals per scenario. Long form: {@code -Dfaults.referrals=500}
 * (and optionally {@code -Dfaults.pace-ms}, {@code -Dfaults.outage-seconds}). Each scenario's
 * counts go to {@code target/reliability-report.md}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class FaultSuiteTests {

  static final int DEFAULT_REFERRALS = 24;

  /** Referrals per scenario, at least; a scenario with a fault also sends some after it ends. */
  private static final int REFERRALS = Integer.getInteger("faults.referrals", DEFAULT_REFERRALS);

  /** One referral every so often, whatever the answers take. */
  private static final Duration PACE = Duration.ofMillis(Long.getLong("faults.pace-ms", 200));

  /** How long a fault lasts (beyond what stopping and starting the faulty part takes). */
  private static final Duration OUTAGE =
      Duration.ofSeconds(Long.getLong("faults.outage-seconds", 6));

  /** How long the sinks may take to see everything once a scenario's load has ended. */
  private static final Duration SETTLE =
      Duration.ofSeconds(Math.max(120, REFERRALS / 2L)).plus(OUTAGE.multipliedBy(4));

  /** A client answers within the gateway's 5 s publish timeout; this leaves room for a slow box. */
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

  private static final Set<String> NOTIFIABLE =
      Set.of("ACCEPTED", "REJECTED", "COMPLETED", "FAILED");

  @TempDir static Path dir;

  private LocalExchange exchange;
  private KafkaBrokerComponent kafka;
  private MailCatcherComponent mail;
  private SmsCatcherComponent sms;
  private DemoProvidersComponent providers;
  private SchemaRegistryComponent registry;
  private LocalSettings settings;
  private LoopDriver driver;
  private String clientId;
  private String consentId;
  private final List<Row> rows = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(
          1,
          runnable -> {
            Thread thread = new Thread(runnable, "fault-suite-load");
            thread.setDaemon(true);
            return thread;
          });

  @BeforeAll
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void startTheWholeExchange() throws Exception {
    settings = LoopDriver.settings(dir);
    List<LocalComponent> components = LocalExchange.components(settings, LoopDriver.testClocks());
    List<LocalComponent> parts = LoopDriver.parts(components);
    registry = LoopDriver.only(parts, SchemaRegistryComponent.class);
    kafka = LoopDriver.only(parts, KafkaBrokerComponent.class);
    mail = LoopDriver.only(parts, MailCatcherComponent.class);
    sms = LoopDriver.only(parts, SmsCatcherComponent.class);
    providers = LoopDriver.only(parts, DemoProvidersComponent.class);
    GatewayComponent gateway = LoopDriver.only(parts, GatewayComponent.class);
    driver = new LoopDriver(gateway, mail, sms);
    exchange = new LocalExchange(components);
    exchange.start();
    clientId = "client-" + UUID.randomUUID();
    consentId = driver.recordConsent(clientId);
  }

  @AfterAll
  void writeTheReportAndStop() throws Exception {
    scheduler.shutdownNow();
    try {
      writeReport();
    } finally {
      if (exchange != null) {
        exchange.stop();
      }
    }
  }

  // --- the scenarios ---

  /** Issue 7, scenario 1: the broker asked to stop (SIGTERM), then started again, under load. */
  @Test
  @Order(1)
  void brokerStoppedWithSigtermAndRestartedUnderLoad() throws Exception {
    brokerDownUnderLoad(
        "1a. broker SIGTERM",
        "broker stopped (SIGTERM, clean shutdown), down " + OUTAGE.toSeconds() + " s, restarted",
        false);
  }

  /** Issue 7, scenario 1: the broker killed (SIGKILL), then started again, under load. */
  @Test
  @Order(2)
  void brokerKilledWithSigkillAndRestartedUnderLoad() throws Exception {
    brokerDownUnderLoad(
        "1b. broker kill -9",
        "broker killed (SIGKILL), down " + OUTAGE.toSeconds() + " s, restarted",
        true);
  }

  private void brokerDownUnderLoad(String scenario, String fault, boolean kill) throws Exception {
    long deadLettersBefore = deadLetters();
    Load load = new Load(scenario.substring(0, 3).replace(".", "").trim() + "-broker");
    load.awaitSent(REFERRALS / 3);

    Instant faultAt = Instant.now();
    if (kill) {
      ProcessHandle broker = kafka.process().orElseThrow();
      broker.destroyForcibly();
      broker.onExit().get(30, TimeUnit.SECONDS);
      kafka.stop(); // forgets the dead process so start() may run again
    } else {
      kafka.stop();
    }
    Instant downAt = Instant.now();
    Thread.sleep(OUTAGE.toMillis());
    Instant restartAt = Instant.now();
    kafka.start();
    Instant readyAt = Instant.now();
    load.endAfterMore(Math.max(5, REFERRALS / 3));
    load.awaitDone();

    Instant firstAck =
        load.requests().stream()
            // A broker shutting down cleanly still acknowledges for a while: count from down.
            .filter(r -> r.accepted() && r.answeredAt().isAfter(downAt))
            .map(Request::answeredAt)
            .min(Instant::compareTo)
            .orElse(null);
    String recovery =
        firstAck == null
            ? "never"
            : "first 2xx %s after restart (broker stop took %s, start %s)"
                .formatted(
                    seconds(Duration.between(restartAt, firstAck)),
                    seconds(Duration.between(faultAt, downAt)),
                    seconds(Duration.between(restartAt, readyAt)));
    // A webhook the provider took while the broker could not acknowledge its ReferralDelivered is
    // recorded again after the broker is back, not delivered again: no repeats allowed here
    // either. (An adapter restart in between would repeat it, with the same webhook-id.)
    Row row = count(scenario, fault, load, 0, deadLettersBefore, recovery);

    assertThat(load.requests())
        .as("every answer while the broker was down: 2xx only with an ack, else 503")
        .allMatch(r -> r.status() == 202 || r.status() == 503 || r.status() == Request.NO_ANSWER);
    assertThat(load.requests()).as("some requests met the outage").anyMatch(r -> r.status() == 503);
    assertThat(firstAck).as("the gateway acknowledged again after the restart").isNotNull();
    row.assertHolds();
  }

  /** Issue 7, scenario 4: the SMTP server down for a while, then back on its port. */
  @Test
  @Order(3)
  void smtpDownForAWhileThenBack() throws Exception {
    long deadLettersBefore = deadLetters();
    Load load = new Load("4-smtp");
    load.awaitSent(REFERRALS / 3);

    mail.stop();
    Thread.sleep(OUTAGE.multipliedBy(2).toMillis());
    Instant restartAt = Instant.now();
    mail.start();
    load.endAfterMore(Math.max(5, REFERRALS / 3));
    load.awaitDone();

    Row row =
        count(
            "4. SMTP down",
            "mail catcher (GreenMail) stopped " + OUTAGE.multipliedBy(2).toSeconds() + " s",
            load,
            0,
            deadLettersBefore,
            null);
    row.recovery =
        "all email caught %s after SMTP was back"
            .formatted(seconds(Duration.between(restartAt, row.settledAt)));
    row.assertHolds();
  }

  /**
   * Issue 7, scenario 3 (FHIR half): the FHIR provider's server answering 503 to everything for a
   * while, then back. Referrals submitted during the outage reach it once it is back, each as one
   * Task, and are accepted and notified once.
   */
  @Test
  @Order(6)
  void fhirProviderDownForAWhileThenBack() throws Exception {
    long deadLettersBefore = deadLetters();
    int count = Math.max(6, REFERRALS / 4);
    Duration outage = OUTAGE.multipliedBy(2);
    providers.fhir().server().answerEverythingWith(503, "Down for maintenance (fault suite)");
    List<String> ids = new ArrayList<>();
    Map<Integer, Long> statuses = new java.util.TreeMap<>();
    for (int i = 0; i < count; i++) {
      String key = "3-fhir-" + UUID.randomUUID();
      HttpResponse<String> response =
          driver.post(
              "/api/v1/referrals",
              LoopDriver.referralBody(
                  DemoProvidersComponent.FHIR_PROVIDER_ID,
                  "rapid-rehousing",
                  "Housing needed, fault suite",
                  null,
                  clientId,
                  consentId),
              key);
      statuses.merge(response.statusCode(), 1L, Long::sum);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      ids.add(LoopDriver.referralIdFor(key));
    }
    Thread.sleep(outage.toMillis());
    Instant recoverAt = Instant.now();
    providers.fhir().server().answerNormally();

    Set<String> all = new LinkedHashSet<>(ids);
    Instant deadline = Instant.now().plus(SETTLE);
    while (Instant.now().isBefore(deadline)
        && !(tasksFor(all).keySet().containsAll(all)
            && emailsAbout(all).size() == all.size()
            && textsAbout(all).size() == all.size())) {
      Thread.sleep(500);
    }
    Instant settledAt = Instant.now();
    Thread.sleep(3_000); // a duplicate would arrive within a few ticks

    Map<String, Long> tasks = tasksFor(all);
    Row row = new Row();
    rows.add(row);
    row.scenario = "3b. FHIR provider down";
    row.fault = "FHIR server answered 503 to everything for " + outage.toSeconds() + " s";
    row.load =
        count
            + " referrals to "
            + DemoProvidersComponent.FHIR_PROVIDER_ID
            + ", sent during the outage";
    row.sent = count;
    row.accepted = count;
    row.statuses = statuses;
    row.settledAt = settledAt;
    tallyDeliveries(row, ids, tasks);
    row.emails = (int) emailsAbout(all).values().stream().mapToLong(Long::longValue).sum();
    row.texts = (int) textsAbout(all).values().stream().mapToLong(Long::longValue).sum();
    row.deadLetters = deadLetters() - deadLettersBefore;
    row.recovery =
        "all delivered and notified %s after the server was back"
            .formatted(seconds(Duration.between(recoverAt, settledAt)));
    assertThat(row.emailsExpected).as("each referral was accepted").isEqualTo(count);
    row.assertHolds();
  }

  /**
   * Counts into {@code row}, for each accepted referral, whether the provider got it (once, more
   * than once, or never, from {@code deliveredTimes}) and how many notifications per channel its
   * timeline calls for.
   */
  private void tallyDeliveries(
      Row row, Collection<String> accepted, Map<String, Long> deliveredTimes) {
    for (String id : accepted) {
      long times = deliveredTimes.getOrDefault(id, 0L);
      if (times > 0) {
        row.delivered++;
        row.duplicated += (int) (times - 1);
      } else {
        row.lost++;
      }
      int notifiable = notifiableSteps(id);
      row.emailsExpected += notifiable;
      row.smsExpected += notifiable;
    }
  }

  /** How many Tasks the FHIR provider holds for each of these referrals. */
  private Map<String, Long> tasksFor(Set<String> ids) {
    return providers.fhir().server().all(org.hl7.fhir.r4.model.Task.class).stream()
        .flatMap(task -> task.getIdentifier().stream().map(i -> i.getValue()))
        .filter(ids::contains)
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  /** Issue 7, scenario 3 (webhook half): the webhook provider answering 500s, then back. */
  @Test
  @Order(4)
  void webhookProviderAnswering500sThenBack() throws Exception {
    long deadLettersBefore = deadLetters();
    int refusedBefore = providers.webhook().refusedWebhooks();
    Load load = new Load("3-webhook");
    load.awaitSent(REFERRALS / 3);

    providers.webhook().failWith(500);
    Thread.sleep(OUTAGE.multipliedBy(2).toMillis());
    Instant recoverAt = Instant.now();
    providers.webhook().recover();
    load.endAfterMore(Math.max(5, REFERRALS / 3));
    load.awaitDone();

    int refused = providers.webhook().refusedWebhooks() - refusedBefore;
    Row row =
        count(
            "3. webhook 500s",
            "webhook provider answered 500 for "
                + OUTAGE.multipliedBy(2).toSeconds()
                + " s ("
                + refused
                + " webhooks refused)",
            load,
            0,
            deadLettersBefore,
            null);
    row.recovery =
        "all delivered %s after the provider was back"
            .formatted(seconds(Duration.between(recoverAt, row.settledAt)));
    assertThat(refused).as("webhooks the provider refused while failing").isPositive();
    row.assertHolds();
  }

  /**
   * Issue 7, scenario 6: poison records produced raw onto {@code referral.submitted}, on every
   * partition, mid-load: each lands in the dead-letter topic with its original bytes and a reason,
   * and the partition moves on (the referrals after them are still delivered).
   */
  @Test
  @Order(5)
  void poisonRecordsAreDeadLetteredAndThePartitionMovesOn() throws Exception {
    long deadLettersBefore = deadLetters();
    Load load = new Load("6-poison");
    load.awaitSent(REFERRALS / 3);

    byte[] valid = aValidSubmittedValue();
    Map<String, byte[]> poison = new LinkedHashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
      int partitions = producer.partitionsFor(Topics.REFERRAL_SUBMITTED.name()).size();
      for (int partition = 0; partition < partitions; partition++) {
        Map<String, byte[]> kinds = new LinkedHashMap<>();
        kinds.put("bad-magic", new byte[] {7, 0, 0, 0, 1, 2, 4, 6, 8});
        kinds.put("unknown-schema-id", new byte[] {0, 0, 15, 66, 63, 2, 4, 6, 8});
        kinds.put("truncated", Arrays.copyOf(valid, valid.length / 2));
        for (Map.Entry<String, byte[]> kind : kinds.entrySet()) {
          String key = "poison-" + kind.getKey() + "-p" + partition + "-" + UUID.randomUUID();
          producer
              .send(
                  new ProducerRecord<>(
                      Topics.REFERRAL_SUBMITTED.name(),
                      partition,
                      key.getBytes(StandardCharsets.UTF_8),
                      kind.getValue()))
              .get(30, TimeUnit.SECONDS);
          poison.put(key, kind.getValue());
        }
      }
    }
    load.endAfterMore(Math.max(6, REFERRALS / 3));
    load.awaitDone();

    Row row =
        count(
            "6. poison records",
            poison.size()
                + " raw records (bad magic byte, unknown schema id, truncated) on every"
                + " partition of "
                + Topics.REFERRAL_SUBMITTED.name(),
            load,
            poison.size(),
            deadLettersBefore,
            "n/a (no outage)");

    Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record :
        readAll(Topics.REFERRAL_SUBMITTED.deadLetterTopic())) {
      String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
      if (poison.containsKey(key)) {
        assertThat(dead.put(key, record)).as("dead letters for " + key).isNull();
      }
    }
    assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(poison.keySet());
    for (Map.Entry<String, byte[]> injected : poison.entrySet()) {
      ConsumerRecord<byte[], byte[]> letter = dead.get(injected.getKey());
      assertThat(letter.value())
          .as("original bytes of " + injected.getKey())
          .isEqualTo(injected.getValue());
      assertThat(header(letter, "exchange-dlt-reason")).isEqualTo("undecodable");
      assertThat(header(letter, "exchange-dlt-cause")).as(injected.getKey()).isNotBlank();
      assertThat(header(letter, "exchange-dlt-original-topic"))
          .isEqualTo(Topics.REFERRAL_SUBMITTED.name());
    }
    row.assertHolds();
  }

  /**
   * Issue 7, scenario 6 (second half): records that decode against their schema but cannot be true,
   * written with the registered schema onto {@code referral.submitted} and {@code
   * referral.status-changed} mid-load: a submission due before it was made, one with a blank
   * referral id, and for a referral the provider already accepted a decline the lifecycle forbids
   * after that, a completion naming another provider, one set by the requester and one dated a year
   * ahead. Each is refused by every service (no delivery, no timeline step, no email or SMS) and
   * dead-lettered once, with its bytes and reason {@code invalid-content}; the load goes on.
   */
  @Test
  @Order(7)
  void impossibleContentIsRefusedEverywhereAndDeadLetteredOnce() throws Exception {
    long deadLettersBefore = deadLetters();
    Load load = new Load("6b-impossible");
    load.awaitSent(REFERRALS / 3);
    String accepted = awaitAnAcceptedReferral(load);

    byte[] submission = aValidSubmittedValue();
    // One client for reading a real submission and writing the impossible records, with the
    // registered schema as the services write theirs.
    org.referralexchange.serde.SchemaRegistryClient client =
        new org.referralexchange.serde.SchemaRegistryClient(
            org.referralexchange.serde.SerdeConfig.from(
                Map.of(
                    org.referralexchange.serde.SerdeConfig.SCHEMA_REGISTRY_URL, registry.url(),
                    org.referralexchange.serde.SerdeConfig.SPECIFIC_AVRO_READER, true,
                    org.referralexchange.serde.SerdeConfig.AUTO_REGISTER_SCHEMAS, false,
                    org.referralexchange.serde.SerdeConfig.USE_LATEST_VERSION, true)));
    org.referralexchange.serde.AvroDeserializer<Object> reader =
        new org.referralexchange.serde.AvroDeserializer<>(client);
    org.referralexchange.serde.AvroSerializer<Object> writer =
        new org.referralexchange.serde.AvroSerializer<>(client);
    var real =
        (org.referralexchange.events.v1.ReferralSubmitted)
            reader.deserialize(Topics.REFERRAL_SUBMITTED.name(), submission);
    String lateId = "impossible-late-" + UUID.randomUUID();
    Instant now = Instant.now();
    Map<String, ProducerRecord<byte[], byte[]>> impossible = new LinkedHashMap<>();
    impossible.put(
        "respond-by-before-submission",
        raw(
            writer,
            Topics.REFERRAL_SUBMITTED.name(),
            lateId,
            org.referralexchange.events.v1.ReferralSubmitted.newBuilder(real)
                .setEventId(UUID.randomUUID())
                .setReferralId(lateId)
                .setOccurredAt(now)
                .setRespondBy(now.minusSeconds(3600))
                .build()));
    impossible.put(
        "referral-id-missing",
        raw(
            writer,
            Topics.REFERRAL_SUBMITTED.name(),
            "",
            org.referralexchange.events.v1.ReferralSubmitted.newBuilder(real)
                .setEventId(UUID.randomUUID())
                .setReferralId("")
                .setOccurredAt(now)
                .build()));
    impossible.put(
        "transition-not-allowed",
        raw(
            writer,
            Topics.REFERRAL_STATUS_CHANGED.name(),
            accepted,
            status(
                accepted,
                "REJECTED",
                DemoProvidersComponent.WEBHOOK_PROVIDER_ID,
                org.referralexchange.events.v1.ActorRole.PROVIDER,
                now)));
    impossible.put(
        "provider-mismatch",
        raw(
            writer,
            Topics.REFERRAL_STATUS_CHANGED.name(),
            accepted,
            status(
                accepted,
                "COMPLETED",
                DemoProvidersComponent.FHIR_PROVIDER_ID,
                org.referralexchange.events.v1.ActorRole.PROVIDER,
                now)));
    impossible.put(
        "status-not-settable-by-actor",
        raw(
            writer,
            Topics.REFERRAL_STATUS_CHANGED.name(),
            accepted,
            status(
                accepted,
                "COMPLETED",
                DemoProvidersComponent.WEBHOOK_PROVIDER_ID,
                org.referralexchange.events.v1.ActorRole.REQUESTER,
                now)));
    impossible.put(
        "occurred-in-future",
        raw(
            writer,
            Topics.REFERRAL_STATUS_CHANGED.name(),
            accepted,
            status(
                accepted,
                "COMPLETED",
                DemoProvidersComponent.WEBHOOK_PROVIDER_ID,
                org.referralexchange.events.v1.ActorRole.PROVIDER,
                now.plus(Duration.ofDays(365)))));
    try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
      for (ProducerRecord<byte[], byte[]> record : impossible.values()) {
        producer.send(record).get(30, TimeUnit.SECONDS);
      }
    }
    load.endAfterMore(Math.max(6, REFERRALS / 3));
    load.awaitDone();

    Row row =
        count(
            "6b. impossible content",
            impossible.size()
                + " records that decode but cannot be true ("
                + String.join(", ", impossible.keySet())
                + ") on "
                + Topics.REFERRAL_SUBMITTED.name()
                + " and "
                + Topics.REFERRAL_STATUS_CHANGED.name(),
            load,
            impossible.size(),
            deadLettersBefore,
            "n/a (no outage)");

    Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
    for (String topic :
        List.of(
            Topics.REFERRAL_SUBMITTED.deadLetterTopic(),
            Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic())) {
      for (ConsumerRecord<byte[], byte[]> letter : readAll(topic)) {
        for (Map.Entry<String, ProducerRecord<byte[], byte[]>> injected : impossible.entrySet()) {
          if (Arrays.equals(letter.value(), injected.getValue().value())) {
            assertThat(dead.put(injected.getKey(), letter))
                .as("dead letters of " + injected.getKey())
                .isNull();
          }
        }
      }
    }
    assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(impossible.keySet());
    for (Map.Entry<String, ConsumerRecord<byte[], byte[]>> letter : dead.entrySet()) {
      assertThat(header(letter.getValue(), "exchange-dlt-reason")).isEqualTo("invalid-content");
      assertThat(header(letter.getValue(), "exchange-dlt-cause")).isEqualTo(letter.getKey());
      assertThat(header(letter.getValue(), "exchange-dlt-message"))
          .doesNotContain(accepted)
          .doesNotContain(lateId);
    }
    assertThat(providers.webhook().receivedReferralIds()).doesNotContain(lateId);
    JsonNode timeline =
        LoopDriver.JSON
            .readTree(driver.get("/api/v1/referrals/" + accepted).body())
            .path("timeline");
    List<String> steps = new ArrayList<>();
    timeline.forEach(step -> steps.add(step.path("status").asString()));
    assertThat(steps).as("timeline of the targeted referral").doesNotContain("REJECTED");
    assertThat(emailsAbout(Set.of(accepted)).getOrDefault(accepted, 0L))
        .as("emails about the targeted referral: one per real notifiable step")
        .isEqualTo(notifiableSteps(accepted));
    row.assertHolds();
  }

  /**
   * Issue 7, scenario 5: the schema registry stopped under load. The services have their schemas
   * cached, so referrals keep being accepted, delivered and notified; a new gateway instance
   * started meanwhile (nothing cached) does not report ready and writes no dead letter, and is
   * ready soon after the registry is back.
   */
  @Test
  @Order(8)
  void registryDownUnderLoadThenBack() throws Exception {
    long deadLettersBefore = deadLetters();
    String registryUrl = registry.url();
    Load load = new Load("5-registry");
    load.awaitSent(REFERRALS / 3);

    registry.stop();
    Instant downAt = Instant.now();
    GatewayComponent cold =
        new GatewayComponent(
            kafka::bootstrapServers,
            () -> registryUrl,
            new GatewayComponent.Settings(
                0, settings.keysetFile(), settings.serviceStartupTimeout()));
    CompletableFuture<Instant> coldReady =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                cold.start();
                return Instant.now();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(OUTAGE.multipliedBy(2).toMillis());
    boolean coldReadyDuringOutage = coldReady.isDone();
    Instant restartAt = Instant.now();
    registry.start();
    Instant registryUpAt = Instant.now();
    Instant coldReadyAt;
    try {
      coldReadyAt = coldReady.get(120, TimeUnit.SECONDS);
    } finally {
      load.endAfterMore(Math.max(5, REFERRALS / 3));
    }
    load.awaitDone();
    cold.stop();

    long during =
        load.requests().stream()
            .filter(r -> r.sentAt().isAfter(downAt) && r.sentAt().isBefore(restartAt))
            .count();
    Row row =
        count(
            "5. schema registry down",
            "registry stopped "
                + OUTAGE.multipliedBy(2).toSeconds()
                + " s ("
                + during
                + " referrals sent meanwhile); a new gateway instance started during the outage",
            load,
            0,
            deadLettersBefore,
            ("no 5xx: warm services kept going on cached schemas; cold gateway ready %s after"
                    + " the registry was back (registry start took %s)")
                .formatted(
                    seconds(Duration.between(registryUpAt, coldReadyAt)),
                    seconds(Duration.between(restartAt, registryUpAt))));
    assertThat(coldReadyDuringOutage)
        .as("the cold gateway reported ready without its schemas")
        .isFalse();
    assertThat(during).as("referrals sent while the registry was down").isPositive();
    assertThat(load.requests())
        .as("cached schemas: every referral accepted, during the outage too")
        .allMatch(r -> r.status() == 202);
    row.assertHolds();
  }

  /** A referral of this load that the webhook provider has accepted, as the gateway shows it. */
  private String awaitAnAcceptedReferral(Load load) throws Exception {
    Instant deadline = Instant.now().plus(SETTLE);
    while (Instant.now().isBefore(deadline)) {
      for (Request request : load.requests()) {
        if (request.accepted()) {
          HttpResponse<String> response = driver.get("/api/v1/referrals/" + request.referralId());
          if (response.statusCode() == 200
              && "ACCEPTED"
                  .equals(LoopDriver.JSON.readTree(response.body()).path("status").asString())) {
            return request.referralId();
          }
        }
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no referral of the load was accepted");
  }

  private static org.referralexchange.events.v1.ReferralStatusChanged status(
      String referralId,
      String status,
      String providerId,
      org.referralexchange.events.v1.ActorRole role,
      Instant at) {
    return org.referralexchange.events.v1.ReferralStatusChanged.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(at)
        .setReferralId(referralId)
        .setProviderId(providerId)
        .setStatus(org.referralexchange.events.v1.ReferralStatus.valueOf(status))
        .setReason(
            org.referralexchange.events.v1.Reason.newBuilder()
                .setCode("other")
                .setText("fault suite")
                .build())
        .setActor(
            org.referralexchange.events.v1.Actor.newBuilder()
                .setRole(role)
                .setOrganizationId(providerId)
                .build())
        .build();
  }

  private static ProducerRecord<byte[], byte[]> raw(
      org.referralexchange.serde.AvroSerializer<Object> writer,
      String topic,
      String key,
      Object event) {
    return new ProducerRecord<>(
        topic, key.getBytes(StandardCharsets.UTF_8), writer.serialize(topic, event));
  }

  // --- the load: a verifiable producer of referrals ---

  /** One submission: its id is known before it is sent, its answer once it is answered. */
  record Request(
      String referralId, String key, String body, Instant sentAt, Instant answeredAt, int status) {
    static final int NO_ANSWER = -1;

    /** A 5xx or no answer: the outcome is unknown to the caller until it retries with the key. */
    boolean unsettled() {
      return status >= 500 || status == NO_ANSWER;
    }

    boolean accepted() {
      return status >= 200 && status < 300;
    }

    boolean refused() {
      return status >= 400;
    }
  }

  /**
   * Posts a referral every {@link #PACE} through the gateway, asynchronously so a slow answer does
   * not slow the load, until told how many more to send.
   */
  private final class Load {
    private final String name;
    private final AtomicInteger sent = new AtomicInteger();
    private final List<Request> answered = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<?>> pending = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.ScheduledFuture<?> ticking;
    private volatile int total = Integer.MAX_VALUE;

    Load(String name) {
      this.name = name + "-" + UUID.randomUUID().toString().substring(0, 8);
      ticking =
          scheduler.scheduleAtFixedRate(this::sendNext, 0, PACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sendNext() {
      int number = sent.get();
      if (number >= total) {
        ticking.cancel(false);
        return;
      }
      String key = name + "-" + number;
      String referralId = LoopDriver.referralIdFor(key);
      Instant sentAt = Instant.now();
      String body =
          LoopDriver.referralBody(
              DemoProvidersComponent.WEBHOOK_PROVIDER_ID,
              "emergency-groceries",
              "Out of food, load " + key,
              null,
              clientId,
              consentId);
      pending.add(
          driver
              .postAsync("/api/v1/referrals", body, key, CLIENT_TIMEOUT)
              .handle(
                  (response, failure) ->
                      answered.add(
                          new Request(
                              referralId,
                              key,
                              body,
                              sentAt,
                              Instant.now(),
                              response == null ? Request.NO_ANSWER : response.statusCode()))));
      sent.incrementAndGet();
    }

    void awaitSent(int count) throws InterruptedException {
      while (sent.get() < count) {
        Thread.sleep(50);
      }
    }

    /**
     * Sends {@code more} referrals from now on and at least {@link #REFERRALS} in all, then stops.
     */
    void endAfterMore(int more) {
      total = Math.max(REFERRALS, sent.get() + more);
    }

    void awaitDone() throws Exception {
      while (!ticking.isDone()) {
        Thread.sleep(50);
      }
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(CLIENT_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
    }

    List<Request> requests() {
      return List.copyOf(answered);
    }

    String describe() {
      return sent.get() + " referrals, one every " + PACE.toMillis() + " ms";
    }
  }

  // --- the count at every sink ---

  /** One scenario's counts, as the report shows them. */
  static final class Row {
    String scenario;
    String fault;
    String load;
    int sent;
    int accepted;
    int refused;
    int unanswered;
    int delivered;
    int duplicated;
    int lost;
    int refusedSeen;
    int retried;
    int retryReplayed;
    int unansweredDelivered;
    int emailsExpected;
    int emails;
    int smsExpected;
    int texts;
    long deadLettersExpected;
    long deadLetters;
    String recovery;
    Instant settledAt;
    Map<Integer, Long> statuses;

    void assertHolds() {
      System.out.println("[fault-suite] " + render(this));
      assertThat(lost).as(scenario + ": 2xx referrals never delivered").isZero();
      assertThat(duplicated).as(scenario + ": repeated deliveries").isZero();
      assertThat(refusedSeen).as(scenario + ": 4xx/5xx referrals seen at a sink").isZero();
      assertThat(emails).as(scenario + ": emails").isEqualTo(emailsExpected);
      assertThat(texts).as(scenario + ": SMS").isEqualTo(smsExpected);
      assertThat(deadLetters).as(scenario + ": dead letters").isEqualTo(deadLettersExpected);
      assertThat(accepted).as(scenario + ": 2xx referrals").isPositive();
    }
  }

  private Row count(
      String scenario,
      String fault,
      Load load,
      long deadLettersInjected,
      long deadLettersBefore,
      String recovery)
      throws Exception {
    List<Request> requests = load.requests();
    // A 5xx (or no answer) tells the caller the outcome is unknown, not that nothing happened: a
    // publish whose ack was lost may still be in the log. The caller settles it the way the API
    // says, by retrying with the same Idempotency-Key once the exchange is back: the retry answers
    // 202 with Idempotent-Replayed: true if the first attempt was recorded, else records it now.
    List<String> accepted = new ArrayList<>(ids(requests, Request::accepted));
    List<String> refused = new ArrayList<>(ids(requests, r -> r.refused() && !r.unsettled()));
    int retried = 0;
    int replayed = 0;
    for (Request unsettled : requests.stream().filter(Request::unsettled).toList()) {
      HttpResponse<String> retry =
          driver.post("/api/v1/referrals", unsettled.body(), unsettled.key());
      retried++;
      if (retry.statusCode() == 202) {
        accepted.add(unsettled.referralId());
        if ("true".equals(retry.headers().firstValue("Idempotent-Replayed").orElse(""))) {
          replayed++;
        }
      } else {
        refused.add(unsettled.referralId());
      }
    }
    List<String> unanswered = ids(requests, r -> r.status() == Request.NO_ANSWER);
    Set<String> all = new LinkedHashSet<>(ids(requests, r -> true));

    Row row = new Row();
    rows.add(row);
    row.scenario = scenario;
    row.fault = fault;
    row.load = load.describe();
    row.recovery = recovery;
    row.sent = requests.size();
    row.accepted = accepted.size();
    row.refused = refused.size();
    row.unanswered = unanswered.size();
    row.retried = retried;
    row.retryReplayed = replayed;
    row.statuses =
        requests.stream()
            .collect(
                Collectors.groupingBy(
                    Request::status, java.util.TreeMap::new, Collectors.counting()));

    // Wait until every 2xx referral reached the provider and was told once per channel.
    Instant deadline = Instant.now().plus(SETTLE);
    Map<String, Integer> expected = new HashMap<>();
    while (true) {
      Set<String> received = new LinkedHashSet<>(providers.webhook().receivedReferralIds());
      Map<String, Long> emails = emailsAbout(all);
      Map<String, Long> texts = textsAbout(all);
      boolean done = received.containsAll(accepted);
      for (String id : accepted) {
        if (!done) {
          break;
        }
        int notifiable = expected.computeIfAbsent(id, this::notifiableSteps);
        if (notifiable == 0
            || emails.getOrDefault(id, 0L) < notifiable
            || texts.getOrDefault(id, 0L) < notifiable) {
          expected.remove(id); // the timeline may not have its answer yet
          done = false;
        }
      }
      if (done || Instant.now().isAfter(deadline)) {
        break;
      }
      Thread.sleep(500);
    }
    row.settledAt = Instant.now();
    // A duplicate would arrive within a few of the adapter's and the notifier's ticks.
    Thread.sleep(3_000);

    List<String> deliveries = providers.webhook().deliveries();
    Map<String, Long> deliveredTimes =
        deliveries.stream()
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    Map<String, Long> emails = emailsAbout(all);
    Map<String, Long> texts = textsAbout(all);
    tallyDeliveries(row, accepted, deliveredTimes);
    Set<String> submittedKeys =
        readAll(Topics.REFERRAL_SUBMITTED.name()).stream()
            .filter(r -> r.key() != null)
            .map(r -> new String(r.key(), StandardCharsets.UTF_8))
            .collect(Collectors.toSet());
    for (String id : refused) {
      if (submittedKeys.contains(id)
          || deliveredTimes.containsKey(id)
          || emails.containsKey(id)
          || texts.containsKey(id)) {
        row.refusedSeen++;
      }
    }
    for (String id : unanswered) {
      if (deliveredTimes.containsKey(id)) {
        row.unansweredDelivered++;
      }
    }
    row.emails = (int) emails.values().stream().mapToLong(Long::longValue).sum();
    row.texts = (int) texts.values().stream().mapToLong(Long::longValue).sum();
    row.deadLettersExpected = deadLettersInjected;
    row.deadLetters = deadLetters() - deadLettersBefore;
    return row;
  }

  private static List<String> ids(
      Collection<Request> requests, java.util.function.Predicate<Request> which) {
    return requests.stream().filter(which).map(Request::referralId).toList();
  }

  /** How many of the referral's timeline steps tell the case manager (ACCEPTED and the like). */
  private int notifiableSteps(String referralId) {
    try {
      for (int attempt = 0; ; attempt++) {
        HttpResponse<String> response = driver.get("/api/v1/referrals/" + referralId);
        if (response.statusCode() == 429 && attempt < 10) {
          Thread.sleep(1_000);
          continue;
        }
        if (response.statusCode() != 200) {
          return 0;
        }
        JsonNode referral = LoopDriver.JSON.readTree(response.body());
        int steps = 0;
        for (JsonNode step : referral.path("timeline")) {
          if (NOTIFIABLE.contains(step.path("status").asString())) {
            steps++;
          }
        }
        return steps;
      }
    } catch (Exception e) {
      return 0;
    }
  }

  private Map<String, Long> emailsAbout(Set<String> ids) {
    return mail.messages().stream()
        .map(m -> LoopDriver.referralIdIn(LoopDriver.subject(m)))
        .filter(id -> id != null && ids.contains(id))
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  private Map<String, Long> textsAbout(Set<String> ids) {
    return sms.messages().stream()
        .map(m -> LoopDriver.referralIdIn(m.body()))
        .filter(id -> id != null && ids.contains(id))
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  // --- Kafka, raw ---

  /** Records in every dead-letter topic, all partitions. */
  private long deadLetters() throws Exception {
    Set<String> topics;
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }
    try (KafkaConsumer<byte[], byte[]> consumer = rawConsumer()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        if (topic.endsWith(Topics.DEAD_LETTER_SUFFIX)) {
          consumer
              .partitionsFor(topic)
              .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
      }
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
      return consumer.endOffsets(partitions).entrySet().stream()
          .mapToLong(e -> e.getValue() - begin.get(e.getKey()))
          .sum();
    }
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = rawConsumer()) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      Instant deadline = Instant.now().plusSeconds(60);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(Instant.now()).as("reading " + topic + " to its end").isBefore(deadline);
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    return records;
  }

  /** The value of a real referral submission, as the gateway wrote it. */
  private byte[] aValidSubmittedValue() {
    return readAll(Topics.REFERRAL_SUBMITTED.name()).stream()
        .map(ConsumerRecord::value)
        .filter(Objects::nonNull)
        .filter(value -> value.length > 40 && value[0] == 0)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no referral submission to truncate"));
  }

  private KafkaConsumer<byte[], byte[]> rawConsumer() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
  }

  private KafkaProducer<byte[], byte[]> rawProducer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ByteArraySerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ByteArraySerializer.class));
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  // --- the report ---

  private void writeReport() throws Exception {
    Path report = Path.of("target", "reliability-report.md");
    Files.createDirectories(report.getParent());
    StringBuilder out = new StringBuilder();
    out.append("# Fault suite report\n\n");
    out.append("Run: ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" processors, load average ")
        .append(loadAverage())
        .append(", faults.referrals=")
        .append(REFERRALS)
        .append(", pace ")
        .append(PACE.toMillis())
        .append(" ms, outage ")
        .append(OUTAGE.toSeconds())
        .append(" s\n\n");
    for (Row row : rows) {
      out.append("## ").append(row.scenario).append("\n\n");
      out.append("| | |\n|---|---|\n");
      out.append("| Load | ").append(row.load).append(" |\n");
      out.append("| Fault | ").append(row.fault).append(" |\n");
      out.append("| Referrals sent | ").append(row.sent).append(" |\n");
      out.append("| Answers | ").append(row.statuses).append(" (status: count; -1 no answer) |\n");
      out.append("| 5xx or no answer, retried with the same Idempotency-Key after recovery | ")
          .append(row.retried)
          .append(" (")
          .append(row.retryReplayed)
          .append(" answered as already recorded, the rest recorded by the retry) |\n");
      out.append("| Settled 2xx (first answer or retry) / refused for good | ")
          .append(row.accepted)
          .append(" / ")
          .append(row.refused)
          .append(" |\n");
      out.append("| Delivered (of settled 2xx) | ").append(row.delivered).append(" |\n");
      out.append("| Duplicated deliveries (repeats of a taken webhook, same webhook-id) | ")
          .append(row.duplicated)
          .append(" |\n");
      out.append("| Lost (settled 2xx, never delivered) | ").append(row.lost).append(" |\n");
      out.append("| Refused for good, seen anywhere (topic, provider, email, SMS) | ")
          .append(row.refusedSeen)
          .append(" |\n");
      out.append("| Unanswered, delivered anyway | ")
          .append(row.unansweredDelivered)
          .append(" |\n");
      out.append("| Emails expected / sent | ")
          .append(row.emailsExpected)
          .append(" / ")
          .append(row.emails)
          .append(" |\n");
      out.append("| SMS expected / sent | ")
          .append(row.smsExpected)
          .append(" / ")
          .append(row.texts)
          .append(" |\n");
      out.append("| Dead letters expected / written | ")
          .append(row.deadLettersExpected)
          .append(" / ")
          .append(row.deadLetters)
          .append(" |\n");
      out.append("| Recovery | ").append(row.recovery).append(" |\n\n");
    }
    Files.writeString(report, out.toString());
    System.out.println("[fault-suite] report written to " + report.toAbsolutePath());
  }

  static String render(Row row) {
    return String.format(
        Locale.ROOT,
        "%s: sent %d, answers %s, retried %d (%d already recorded), settled 2xx %d, refused %d,"
            + " delivered %d, duplicated %d, lost %d, refused seen %d, email %d/%d, SMS %d/%d,"
            + " dead letters %d/%d, recovery %s",
        row.scenario,
        row.sent,
        row.statuses,
        row.retried,
        row.retryReplayed,
        row.accepted,
        row.refused,
        row.delivered,
        row.duplicated,
        row.lost,
        row.refusedSeen,
        row.emails,
        row.emailsExpected,
        row.texts,
        row.smsExpected,
        row.deadLetters,
        row.deadLettersExpected,
        row.recovery);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0];
    } catch (Exception e) {
      return String.format(
          Locale.ROOT,
          "%.2f",
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
