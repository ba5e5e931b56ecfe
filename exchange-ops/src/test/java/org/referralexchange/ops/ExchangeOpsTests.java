package org.referralexchange.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ProviderReportRefused;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.ops.redaction.Redaction;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;

/**
 * The tool run in-process against a real broker and the stand-in registry, with dead letters
 * written as the exchange's writers and Spring Kafka's recoverer write them.
 */
class ExchangeOpsTests {

  /** Personal data planted in payloads and exception messages; none of it may be printed. */
  static final List<String> CANARIES =
      List.of(
          "Jane Canary",
          "jane.canary@example.org",
          "555 010 9999",
          "cm42@county.example",
          "+15555550142",
          "Case Manager 42");

  @BeforeAll
  static void topics() {
    ExchangeInfrastructure.createExchangeTopics();
  }

  record Run(int status, String out, String err) {}

  static Run ops(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--bootstrap-servers",
            ExchangeInfrastructure.bootstrapServers(),
            "--schema-registry-url",
            ExchangeInfrastructure.registryUrl()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        ExchangeOps.run(
            all.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    return new Run(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static byte[] serialize(TopicSpec topic, SpecificRecord event) {
    Map<String, Object> config = new HashMap<>();
    config.put(SerdeConfig.SCHEMA_REGISTRY_URL, ExchangeInfrastructure.registryUrl());
    config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
    config.put(SerdeConfig.USE_LATEST_VERSION, true);
    try (AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>()) {
      serializer.configure(config, false);
      return serializer.serialize(topic.name(), event);
    }
  }

  static RecordMetadata send(
      String topic, String key, byte[] value, long timestamp, Map<String, byte[]> headers) {
    Map<String, Object> config =
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ExchangeInfrastructure.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      ProducerRecord<byte[], byte[]> record =
          new ProducerRecord<>(topic, null, timestamp, key.getBytes(StandardCharsets.UTF_8), value);
      headers.forEach(record.headers()::add);
      return producer.send(record).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, byte[]> headers(String... namesAndValues) {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.put(namesAndValues[i], namesAndValues[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return headers;
  }

  static ReferralSubmitted submittedWithCanary(String referralId) {
    return ReferralSubmitted.newBuilder(SampleEvents.referralSubmitted(referralId))
        .setRequestFingerprint("Jane Canary")
        .build();
  }

  static void assertNoCanary(String output) {
    for (String canary : CANARIES) {
      assertThat(output).doesNotContainIgnoringCase(canary);
    }
  }

  @Test
  void listShowsEachDeadLetterWithItsReasonsAndNoPersonalData() {
    String poisonKey = "poison-" + UUID.randomUUID();
    byte[] poison = "Jane Canary, jane.canary@example.org".getBytes(StandardCharsets.UTF_8);
    send(
        Topics.REFERRAL_SUBMITTED.deadLetterTopic(),
        poisonKey,
        poison,
        System.currentTimeMillis(),
        headers(
            "exchange-dlt-reason", "undecodable",
            "exchange-dlt-cause", "org.referralexchange.serde.AvroSerdeException$MalformedPayload",
            "exchange-dlt-message", "Unknown magic byte 0x4a: not a Confluent-framed Avro record",
            "exchange-dlt-original-topic", "referral.submitted",
            "exchange-dlt-original-partition", "2",
            "exchange-dlt-original-offset", "17"));
    String referralId = "ref-" + UUID.randomUUID();
    ReferralSubmitted submitted = submittedWithCanary(referralId);
    send(
        Topics.REFERRAL_SUBMITTED.deadLetterTopic(),
        referralId,
        serialize(Topics.REFERRAL_SUBMITTED, submitted),
        System.currentTimeMillis(),
        headers(
            "exchange-dlt-reason", "delivery-failed",
            "exchange-dlt-cause", "IllegalStateException",
            "exchange-dlt-message",
                "Provider refused client 'Jane Canary'\nwrite to jane.canary@example.org or call"
                    + " +1 555 010 9999"));
    String springKey = "ref-" + UUID.randomUUID();
    Map<String, byte[]> spring =
        headers(
            "kafka_dlt-original-topic", "referral.status-changed",
            "kafka_dlt-exception-fqcn",
                "org.springframework.kafka.listener.ListenerExecutionFailedException",
            "kafka_dlt-exception-message", "Listener failed; for jane.canary@example.org",
            "kafka_dlt-exception-stacktrace", "at Jane Canary",
            "traceparent", "00-abc-def-01");
    spring.put("kafka_dlt-original-partition", ByteBuffer.allocate(4).putInt(3).array());
    spring.put("kafka_dlt-original-offset", ByteBuffer.allocate(8).putLong(42L).array());
    send(
        Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic(),
        springKey,
        serialize(Topics.REFERRAL_STATUS_CHANGED, SampleEvents.completed(springKey)),
        System.currentTimeMillis(),
        spring);

    Run run = ops("dead-letters", "list");

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.out())
        .contains(
            "key="
                + poisonKey
                + "  value="
                + poison.length
                + " bytes, undecodable (MalformedPayload)")
        .contains("from: referral.submitted/2@17")
        .contains("exchange-dlt-reason: undecodable")
        .contains(
            "key="
                + referralId
                + "  value="
                + serialize(Topics.REFERRAL_SUBMITTED, submitted).length
                + " bytes, ReferralSubmitted eventId="
                + submitted.getEventId()
                + " referralId="
                + referralId
                + " priority=URGENT")
        .contains("exchange-dlt-reason: delivery-failed")
        .contains("exchange-dlt-cause: IllegalStateException")
        .contains(
            "exchange-dlt-message: \"Provider refused client <quoted> write to <email> or call"
                + " <digits>\"")
        .contains("from: referral.status-changed/3@42")
        .contains("ReferralStatusChanged eventId=")
        .contains("status=COMPLETED")
        .contains("outcome=recorded")
        .contains("kafka_dlt-exception-message: \"Listener failed; for <email>\"")
        .contains("other headers (values not shown): traceparent")
        .doesNotContain("kafka_dlt-exception-stacktrace")
        .doesNotContain("Two weeks of groceries");
    assertNoCanary(run.out() + run.err());

    Run one = ops("dead-letters", "list", "--topic", Topics.REFERRAL_STATUS_CHANGED.name());
    assertThat(one.out()).contains(springKey).doesNotContain(poisonKey);
  }

  static List<ConsumerRecord<String, byte[]>> onTopic(TopicSpec topic, String key) {
    return ExchangeInfrastructure.readAll(topic.name()).stream()
        .filter(r -> key.equals(r.key()))
        .toList();
  }

  static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  void replayPutsTheOriginalBytesBackOnceAndRefusesTheSecondTime() {
    String referralId = "replay-" + UUID.randomUUID();
    byte[] value = serialize(Topics.REFERRAL_STATUS_CHANGED, SampleEvents.completed(referralId));
    // A value of another topic's type is fine: replay moves bytes, it does not decode them.
    RecordMetadata dead =
        send(
            Topics.REFERRAL_DELIVERED.deadLetterTopic(),
            referralId,
            value,
            System.currentTimeMillis(),
            headers(
                "exchange-dlt-reason", "delivery-failed",
                "exchange-dlt-cause", "IllegalStateException",
                "traceparent", "00-trace-span-01"));
    String marker = dead.topic() + "/" + dead.partition() + "/" + dead.offset();
    String[] replay = {
      "dead-letters",
      "replay",
      "--topic",
      dead.topic(),
      "--partition",
      Integer.toString(dead.partition()),
      "--offset",
      Long.toString(dead.offset())
    };

    Run first = ops(replay);

    assertThat(first.status()).as(first.out() + first.err()).isZero();
    assertThat(first.out()).contains("Replayed " + marker + " -> referral.delivered/");
    List<ConsumerRecord<String, byte[]>> replayed = onTopic(Topics.REFERRAL_DELIVERED, referralId);
    assertThat(replayed).hasSize(1);
    assertThat(replayed.get(0).value()).isEqualTo(value);
    assertThat(header(replayed.get(0), "exchange-replayed-from")).isEqualTo(marker);
    assertThat(header(replayed.get(0), "traceparent")).isEqualTo("00-trace-span-01");
    assertThat(replayed.get(0).headers().toArray())
        .noneMatch(h -> h.key().startsWith("exchange-dlt-"));

    Run second = ops(replay);

    assertThat(second.status()).isEqualTo(1);
    assertThat(second.out()).contains("Refused " + marker + ": already replayed");
    assertThat(onTopic(Topics.REFERRAL_DELIVERED, referralId)).hasSize(1);
  }

  @Test
  void replayAllTakesEveryRecordOfTheTopicToItsOriginalTopic() {
    String first = "all-" + UUID.randomUUID();
    String second = "all-" + UUID.randomUUID();
    for (String key : List.of(first, second)) {
      send(
          Topics.NOTIFICATIONS.deadLetterTopic(),
          key,
          key.getBytes(StandardCharsets.UTF_8),
          System.currentTimeMillis(),
          headers("exchange-dlt-original-topic", Topics.REFERRAL_OVERDUE.name()));
    }

    Run run = ops("dead-letters", "replay", "--topic", Topics.NOTIFICATIONS.name(), "--all");
    Run again = ops("dead-letters", "replay", "--topic", Topics.NOTIFICATIONS.name(), "--all");

    assertThat(run.status()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("2 replayed, 0 refused");
    assertThat(again.out()).contains("0 replayed, 2 refused");
    assertThat(onTopic(Topics.REFERRAL_OVERDUE, first)).hasSize(1);
    assertThat(onTopic(Topics.REFERRAL_OVERDUE, second)).hasSize(1);
    assertThat(onTopic(Topics.NOTIFICATIONS, first)).isEmpty();
  }

  @Test
  void traceListsOneReferralsEventsInTimeOrderAndNoneOfAnothers() throws Exception {
    String traced = "trace-" + UUID.randomUUID();
    String other = "trace-" + UUID.randomUUID();
    for (String referralId : List.of(traced, other)) {
      ExchangeInfrastructure.publish(
          Topics.REFERRAL_SUBMITTED, referralId, submittedWithCanary(referralId));
    }
    Thread.sleep(5);
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED, traced, SampleEvents.completed(traced));
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED, other, SampleEvents.completed(other));
    Thread.sleep(5);
    // Dead-lettered last; its topic comes before referral.status-changed in the scan.
    send(
        Topics.REFERRAL_SUBMITTED.deadLetterTopic(),
        traced,
        serialize(Topics.REFERRAL_SUBMITTED, submittedWithCanary(traced)),
        System.currentTimeMillis(),
        headers("exchange-dlt-reason", "delivery-failed", "exchange-dlt-cause", "Timeout"));

    Run run = ops("trace", traced);

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.out()).contains("Referral " + traced + ": 3 event(s)").doesNotContain(other);
    List<String> lines = run.out().lines().skip(1).toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).contains("  referral.submitted/").contains("ReferralSubmitted");
    assertThat(lines.get(1))
        .contains("  referral.status-changed/")
        .contains("status=COMPLETED")
        .contains("referralId=" + traced);
    assertThat(lines.get(2))
        .contains("  referral.submitted-dlt/")
        .contains("exchange-dlt-reason=delivery-failed");
    assertNoCanary(run.out() + run.err());

    assertThat(ops("trace", "no-such-" + UUID.randomUUID()).status()).isEqualTo(1);
  }

  @Test
  void refusalsListsEachRefusedProviderReportWithVersionStatusesAndPolicy() {
    String provider = "prov-" + UUID.randomUUID();
    String referralId = "ref-" + UUID.randomUUID();
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_REPORT_REFUSED,
        referralId,
        refused(provider, referralId, "7", ReferralStatus.FAILED));
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_REPORT_REFUSED,
        referralId,
        refused(provider, referralId, "8", ReferralStatus.REJECTED));
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_REPORT_REFUSED,
        "ref-other",
        refused("prov-other-" + UUID.randomUUID(), "ref-other", "2", ReferralStatus.FAILED));

    Run run = ops("refusals", "--provider", provider);

    assertThat(run.status()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0))
        .contains(
            "provider=" + provider,
            "referral=" + referralId,
            "version=7",
            "reported=FAILED",
            "current=COMPLETED",
            "policy=transition-not-allowed",
            "(cannot move from COMPLETED to FAILED)",
            "ref=Task/42");
    assertThat(lines.get(1)).contains("version=8", "reported=REJECTED");
    assertThat(lines.get(2))
        .isEqualTo("2 refused provider report(s) on referral.report-refused from " + provider);
    assertThat(ops("refusals").out()).contains("ref-other");
  }

  private static ProviderReportRefused refused(
      String provider, String referralId, String version, ReferralStatus reported) {
    return ProviderReportRefused.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(java.time.Instant.now())
        .setReferralId(referralId)
        .setProviderId(provider)
        .setProviderReference("Task/42")
        .setReportedStatus(reported)
        .setCurrentStatus(ReferralStatus.COMPLETED)
        .setPolicy("transition-not-allowed")
        .setReason("cannot move from COMPLETED to " + reported)
        .setSourceVersion(version)
        .build();
  }

  @Test
  void usageErrorsExitWithTwoAndSayWhy() {
    Run run = ops("dead-letters", "replay", "--topic", "referral.submitted-dlt");
    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err())
        .contains("Missing required argument")
        .contains("--topic=T (--all", "(--partition=P --offset=N))");
    Run typo = ops("dead-letters", "lsit");
    assertThat(typo.status()).isEqualTo(2);
    assertThat(typo.err()).contains("Unmatched argument", "'lsit'", "(list | replay)");
    assertThat(ops("trace", "x", "--frobnicate", "1").err())
        .contains("Unknown options: '--frobnicate'");
    Run zero = ops("trace", "x", "--timeout-seconds", "0");
    assertThat(zero.status()).isEqualTo(2);
    assertThat(zero.err()).contains("--timeout-seconds must be positive");
    assertThat(run(Map.of()).status()).as("no command").isEqualTo(2);
  }

  @Test
  void generatedHelpListsTheCommandsTheExitStatusesAndThePersonalDataRule() {
    Run help = run(Map.of(), "help");
    assertThat(help.status()).isZero();
    assertThat(help.out())
        .contains("dead-letters", "refusals", "trace")
        .contains("Exit status:", "0   done", "2   usage error")
        .contains("Values are never printed", "cut to " + Redaction.MAX_LENGTH + " characters");
    Run replay = run(Map.of(), "dead-letters", "replay", "--help");
    assertThat(replay.status()).isZero();
    assertThat(replay.out())
        .contains("--topic=T (--all", "(--partition=P --offset=N))")
        .contains("1   a record refused");
  }

  @Test
  void connectionDefaultsComeFromTheServicesEnvironmentVariables() {
    Map<String, String> env = Map.of("KAFKA_BOOTSTRAP", "broker-7.example:9092");
    assertThat(run(env, "trace", "--help").out()).contains("(here: broker-7.example:9092)");
    assertThat(run(Map.of(), "trace", "--help").out()).contains("(here: localhost:9092)");

    // No connection option at all: the environment alone points the tool at the real broker.
    Run refusals =
        run(
            Map.of(
                "KAFKA_BOOTSTRAP", ExchangeInfrastructure.bootstrapServers(),
                "SCHEMA_REGISTRY_URL", ExchangeInfrastructure.registryUrl()),
            "refusals",
            "--provider",
            "nobody-" + UUID.randomUUID());
    assertThat(refusals.status()).as(refusals.err()).isZero();
    assertThat(refusals.out()).contains("0 refused provider report(s)");
  }

  /** The tool with exactly these arguments and this environment (no connection options added). */
  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        ExchangeOps.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
    return new Run(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
