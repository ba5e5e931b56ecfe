package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.local.FaultBench.OUTAGE;
import static org.referralexchange.local.FaultBench.REFERRALS;
import static org.referralexchange.local.FaultBench.SETTLE;
import static org.referralexchange.local.FaultBench.seconds;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
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
 * {@value FaultBench#DEFAULT_REFERRALS} referrals per scenario. Long form: {@code
 * -Dfaults.referrals=500} (and optionally {@code -Dfaults.pace-ms}, {@code
 * -Dfaults.outage-seconds}). Each scenario's counts go to {@code target/reliability-report.md}.
 */
class FaultSuiteTests extends FaultSuite {

  @TempDir static Path dir;

  private KafkaBrokerComponent kafka;
  private MailCatcherComponent mail;
  private DemoProvidersComponent providers;
  private LoopDriver driver;

  @BeforeAll
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void startTheWholeExchange() throws Exception {
    bench = new FaultBench(dir, FaultSuiteTests.class, parts -> {});
    kafka = bench.kafka;
    mail = bench.mail;
    providers = bench.providers;
    driver = bench.driver;
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
    FaultBench.Load load = bench.load(scenario.substring(0, 3).replace(".", "").trim() + "-broker");
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
            .map(FaultBench.Request::answeredAt)
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
    FaultBench.Row row = bench.count(scenario, fault, load, 0, recovery);

    assertThat(load.requests())
        .as("every answer while the broker was down: 2xx only with an ack, else 503")
        .allMatch(
            r ->
                r.status() == 202
                    || r.status() == 503
                    || r.status() == FaultBench.Request.NO_ANSWER);
    assertThat(load.requests()).as("some requests met the outage").anyMatch(r -> r.status() == 503);
    assertThat(firstAck).as("the gateway acknowledged again after the restart").isNotNull();
    row.assertHolds();
  }

  /** Issue 7, scenario 4: the SMTP server down for a while, then back on its port. */
  @Test
  @Order(3)
  void smtpDownForAWhileThenBack() throws Exception {
    FaultBench.Load load = bench.load("4-smtp");
    load.awaitSent(REFERRALS / 3);

    mail.stop();
    Thread.sleep(OUTAGE.multipliedBy(2).toMillis());
    Instant restartAt = Instant.now();
    mail.start();
    load.endAfterMore(Math.max(5, REFERRALS / 3));
    load.awaitDone();

    FaultBench.Row row =
        bench.count(
            "4. SMTP down",
            "mail catcher (GreenMail) stopped " + OUTAGE.multipliedBy(2).toSeconds() + " s",
            load,
            0,
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
    long deadLettersBefore = bench.deadLetters();
    int count = Math.max(6, REFERRALS / 4);
    Duration outage = OUTAGE.multipliedBy(2);
    providers.fhir().server().answerEverythingWith(503, "Down for maintenance (fault suite)");
    List<String> ids = new ArrayList<>();
    Map<Integer, Long> statuses = new java.util.TreeMap<>();
    Instant recoverAt;
    try {
      sendDuringTheOutage(count, ids, statuses);
      Thread.sleep(outage.toMillis());
    } finally {
      // Whatever failed, the scenarios after this one meet a FHIR server that answers.
      recoverAt = Instant.now();
      providers.fhir().server().answerNormally();
    }

    Set<String> all = new LinkedHashSet<>(ids);
    bench.awaitSettled(ids, () -> tasksFor(all).keySet());
    Instant settledAt = Instant.now();
    bench.awaitQuiet(); // a duplicate would follow within a few ticks

    Map<String, Long> tasks = tasksFor(all);
    FaultBench.Row row = new FaultBench.Row();
    bench.rows.add(row);
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
    Map<String, Long> emails = bench.emailsAbout(all);
    Map<String, Long> texts = bench.textsAbout(all);
    bench.tallyDeliveries(row, ids, tasks, emails, texts);
    row.emails = (int) emails.values().stream().mapToLong(Long::longValue).sum();
    row.texts = (int) texts.values().stream().mapToLong(Long::longValue).sum();
    row.command = bench.command();
    row.deadLetters = bench.deadLetters() - deadLettersBefore;
    row.recovery =
        "all delivered and notified %s after the server was back"
            .formatted(seconds(Duration.between(recoverAt, settledAt)));
    assertThat(row.emailsExpected).as("each referral was accepted").isEqualTo(count);
    row.assertHolds();
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
    int refusedBefore = providers.webhook().refusedWebhooks();
    FaultBench.Load load = bench.load("3-webhook");
    load.awaitSent(REFERRALS / 3);

    providers.webhook().failWith(500);
    Thread.sleep(OUTAGE.multipliedBy(2).toMillis());
    Instant recoverAt = Instant.now();
    providers.webhook().recover();
    load.endAfterMore(Math.max(5, REFERRALS / 3));
    load.awaitDone();

    int refused = providers.webhook().refusedWebhooks() - refusedBefore;
    FaultBench.Row row =
        bench.count(
            "3. webhook 500s",
            "webhook provider answered 500 for "
                + OUTAGE.multipliedBy(2).toSeconds()
                + " s ("
                + refused
                + " webhooks refused)",
            load,
            0,
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
    FaultBench.Load load = bench.load("6-poison");
    load.awaitSent(REFERRALS / 3);

    byte[] valid = aValidSubmittedValue();
    Map<String, byte[]> poison = new LinkedHashMap<>();
    {
      KafkaProducer<byte[], byte[]> producer = rawProducer();
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

    FaultBench.Row row =
        bench.count(
            "6. poison records",
            poison.size()
                + " raw records (bad magic byte, unknown schema id, truncated) on every"
                + " partition of "
                + Topics.REFERRAL_SUBMITTED.name(),
            load,
            poison.size(),
            "n/a (no outage)");

    Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record :
        bench.readAll(Topics.REFERRAL_SUBMITTED.deadLetterTopic())) {
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
    FaultBench.Load load = bench.load("6b-impossible");
    load.awaitSent(REFERRALS / 3);
    String accepted = awaitAnAcceptedReferral(load);

    byte[] submission = aValidSubmittedValue();
    // One client for reading a real submission and writing the impossible records, with the
    // registered schema as the services write theirs.
    SchemaRegistryClient client =
        new SchemaRegistryClient(
            SerdeConfig.from(
                Map.of(
                    SerdeConfig.SCHEMA_REGISTRY_URL, bench.registry.url(),
                    SerdeConfig.SPECIFIC_AVRO_READER, true,
                    SerdeConfig.AUTO_REGISTER_SCHEMAS, false,
                    SerdeConfig.USE_LATEST_VERSION, true)));
    AvroDeserializer<Object> reader = new AvroDeserializer<>(client);
    AvroSerializer<Object> writer = new AvroSerializer<>(client);
    var real = (ReferralSubmitted) reader.deserialize(Topics.REFERRAL_SUBMITTED.name(), submission);
    String lateId = "impossible-late-" + UUID.randomUUID();
    Instant now = Instant.now();
    Map<String, ProducerRecord<byte[], byte[]>> impossible = new LinkedHashMap<>();
    impossible.put(
        "respond-by-before-submission",
        raw(
            writer,
            Topics.REFERRAL_SUBMITTED.name(),
            lateId,
            ReferralSubmitted.newBuilder(real)
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
            ReferralSubmitted.newBuilder(real)
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
                ActorRole.PROVIDER,
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
                ActorRole.PROVIDER,
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
                ActorRole.REQUESTER,
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
                ActorRole.PROVIDER,
                now.plus(Duration.ofDays(365)))));
    {
      KafkaProducer<byte[], byte[]> producer = rawProducer();
      for (ProducerRecord<byte[], byte[]> record : impossible.values()) {
        producer.send(record).get(30, TimeUnit.SECONDS);
      }
    }
    load.endAfterMore(Math.max(6, REFERRALS / 3));
    load.awaitDone();

    FaultBench.Row row =
        bench.count(
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
            "n/a (no outage)");

    Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
    for (String topic :
        List.of(
            Topics.REFERRAL_SUBMITTED.deadLetterTopic(),
            Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic())) {
      for (ConsumerRecord<byte[], byte[]> letter : bench.readAll(topic)) {
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
    assertThat(bench.emailsAbout(Set.of(accepted)).getOrDefault(accepted, 0L))
        .as("emails about the targeted referral: one per real notifiable step")
        .isEqualTo(bench.notifiableSteps(accepted));
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
    String registryUrl = bench.registry.url();
    FaultBench.Load load = bench.load("5-registry");
    load.awaitSent(REFERRALS / 3);

    bench.registry.stop();
    Instant downAt = Instant.now();
    GatewayComponent cold =
        new GatewayComponent(
            kafka::bootstrapServers,
            () -> registryUrl,
            new GatewayComponent.Settings(
                0, bench.settings.keysetFile(), bench.settings.serviceStartupTimeout()));
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
    bench.registry.start();
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
    FaultBench.Row row =
        bench.count(
            "5. schema registry down",
            "registry stopped "
                + OUTAGE.multipliedBy(2).toSeconds()
                + " s ("
                + during
                + " referrals sent meanwhile); a new gateway instance started during the outage",
            load,
            0,
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

  /** Posts {@code count} referrals to the FHIR provider; each must be taken (202). */
  private void sendDuringTheOutage(int count, List<String> ids, Map<Integer, Long> statuses)
      throws Exception {
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
                  bench.clientId,
                  bench.consentId),
              key);
      statuses.merge(response.statusCode(), 1L, Long::sum);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      ids.add(LoopDriver.referralIdFor(key));
    }
  }

  /** A referral of this load that the webhook provider has accepted, as the gateway shows it. */
  private String awaitAnAcceptedReferral(FaultBench.Load load) throws Exception {
    Instant deadline = Instant.now().plus(SETTLE);
    while (Instant.now().isBefore(deadline)) {
      for (FaultBench.Request request : load.requests()) {
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

  private static ReferralStatusChanged status(
      String referralId, String status, String providerId, ActorRole role, Instant at) {
    return ReferralStatusChanged.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(at)
        .setReferralId(referralId)
        .setProviderId(providerId)
        .setStatus(ReferralStatus.valueOf(status))
        .setReason(Reason.newBuilder().setCode("other").setText("fault suite").build())
        .setActor(Actor.newBuilder().setRole(role).setOrganizationId(providerId).build())
        .build();
  }

  private static ProducerRecord<byte[], byte[]> raw(
      AvroSerializer<Object> writer, String topic, String key, Object event) {
    return new ProducerRecord<>(
        topic, key.getBytes(StandardCharsets.UTF_8), writer.serialize(topic, event));
  }

  /** The value of a real referral submission, as the gateway wrote it. */
  private byte[] aValidSubmittedValue() {
    return bench.readAll(Topics.REFERRAL_SUBMITTED.name()).stream()
        .map(ConsumerRecord::value)
        .filter(Objects::nonNull)
        .filter(value -> value.length > 40 && value[0] == 0)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no referral submission to truncate"));
  }

  /** The suite's one raw producer, made at first use and closed with the suite. */
  private KafkaProducer<byte[], byte[]> producer;

  @AfterAll
  void closeTheProducer() {
    if (producer != null) {
      producer.close();
    }
  }

  private KafkaProducer<byte[], byte[]> rawProducer() {
    if (producer == null) {
      producer = newRawProducer();
    }
    return producer;
  }

  private KafkaProducer<byte[], byte[]> newRawProducer() {
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
}
