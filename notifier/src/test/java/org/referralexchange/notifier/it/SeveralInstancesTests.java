package org.referralexchange.notifier.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.notifier.NotifierApplication;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * Scenario 7 of the reliability suite for the notifier, in one JVM: instances in one consumer group
 * divide the referrals between them, and when one leaves while statuses stream in (gracefully, or
 * vanishing so that only the session timeout hands its partitions over) every case manager still
 * gets the email. Counted at the SMTP server (GreenMail), one case manager address per referral.
 */
class SeveralInstancesTests {

  static final Duration SESSION = Duration.ofSeconds(10);

  String group;
  final List<ConfigurableApplicationContext> running = new ArrayList<>();

  @BeforeEach
  void group() {
    NotifierInfrastructure.startMail();
    group = "several-notifiers-" + UUID.randomUUID();
  }

  @AfterEach
  void stop() {
    running.forEach(ConfigurableApplicationContext::close);
  }

  ConfigurableApplicationContext notifier() {
    ConfigurableApplicationContext notifier =
        new SpringApplicationBuilder(NotifierApplication.class)
            .run(
                NotifierProbe.arguments(
                    group,
                    NotifierProbe.freshStateDir(),
                    "--spring.kafka.streams.properties.session.timeout.ms=" + SESSION.toMillis(),
                    "--spring.kafka.streams.properties.heartbeat.interval.ms=1000"));
    running.add(notifier);
    return notifier;
  }

  static Set<Integer> owned(ConfigurableApplicationContext notifier) {
    return NotifierProbe.ownedStatusPartitions(
        notifier.getBean(StreamsBuilderFactoryBean.class).getKafkaStreams());
  }

  static double sent(MeterRegistry meters) {
    Counter counter =
        meters.find("notifier.notifications").tags("channel", "EMAIL", "outcome", "SENT").counter();
    return counter == null ? 0 : counter.count();
  }

  /** Emails the SMTP server received, by recipient. */
  static Map<String, Integer> emailsByRecipient() {
    Map<String, Integer> counts = new HashMap<>();
    for (MimeMessage message : NotifierInfrastructure.allMail()) {
      try {
        for (Address to : message.getAllRecipients()) {
          counts.merge(to.toString().toLowerCase(), 1, Integer::sum);
        }
      } catch (MessagingException e) {
        throw new IllegalStateException(e);
      }
    }
    return counts;
  }

  static long reached(List<NotifierFlowTests.Referral> referrals) {
    Map<String, Integer> emails = emailsByRecipient();
    return referrals.stream().filter(r -> emails.containsKey(r.email().toLowerCase())).count();
  }

  static long twice(List<NotifierFlowTests.Referral> referrals) {
    Map<String, Integer> emails = emailsByRecipient();
    return referrals.stream()
        .filter(r -> emails.getOrDefault(r.email().toLowerCase(), 0) > 1)
        .count();
  }

  /** SENT email records on the notifications topic, by referral. */
  static Map<String, Long> sentRecords(List<NotifierFlowTests.Referral> referrals) {
    Set<String> ids = new TreeSet<>();
    referrals.forEach(r -> ids.add(r.id()));
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL,
            NotifierInfrastructure.registryUrl(),
            SerdeConfig.SPECIFIC_AVRO_READER,
            true),
        false);
    Map<String, Long> counts = new HashMap<>();
    for (ConsumerRecord<String, SpecificRecord> record :
        ExchangeInfrastructure.read(Topics.NOTIFICATIONS.name(), values)) {
      if (record.value() instanceof NotificationRecorded recorded
          && ids.contains(record.key())
          && recorded.getChannel() == NotificationChannel.EMAIL
          && recorded.getOutcome() == NotificationOutcome.SENT) {
        counts.merge(record.key(), 1L, Long::sum);
      }
    }
    return counts;
  }

  /** Referrals whose case managers want email; submitted now, their statuses come later. */
  static List<NotifierFlowTests.Referral> submitted(int count) {
    List<NotifierFlowTests.Referral> referrals = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      NotifierFlowTests.Referral referral =
          NotifierFlowTests.referral(
              NotifierFlowTests.uniqueEmail(), null, "UTC", NotificationChannel.EMAIL);
      NotifierInfrastructure.publish(
          Topics.REFERRAL_SUBMITTED, referral.id(), referral.submitted());
      referrals.add(referral);
    }
    return referrals;
  }

  static void accepted(List<NotifierFlowTests.Referral> referrals) {
    for (NotifierFlowTests.Referral referral : referrals) {
      NotifierInfrastructure.publish(
          Topics.REFERRAL_STATUS_CHANGED,
          referral.id(),
          NotifierFlowTests.status(
              referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null));
    }
  }

  void awaitSplit(ConfigurableApplicationContext a, ConfigurableApplicationContext b) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              Set<Integer> both = new TreeSet<>(owned(a));
              both.addAll(owned(b));
              return !owned(a).isEmpty() && !owned(b).isEmpty() && both.size() == 6;
            });
  }

  @Test
  void instancesSplitTheCaseManagersAndAGracefulLeaveOrJoinMidStreamLosesAndRepeatsNothing() {
    ConfigurableApplicationContext a = notifier();
    ConfigurableApplicationContext b = notifier();
    awaitSplit(a, b);
    List<NotifierFlowTests.Referral> referrals = submitted(60);

    accepted(referrals.subList(0, 20));
    await().atMost(Duration.ofSeconds(60)).until(() -> reached(referrals) >= 10);
    MeterRegistry metersOfB = b.getBean(MeterRegistry.class);
    // B leaves while statuses come in: its partitions move to A once its records are acknowledged.
    b.close();
    double sentByB = sent(metersOfB);
    accepted(referrals.subList(20, 40));
    // C joins while statuses come in: A gives some partitions up.
    ConfigurableApplicationContext c = notifier();
    await().atMost(Duration.ofSeconds(60)).until(() -> !owned(c).isEmpty());
    accepted(referrals.subList(40, 60));
    await().atMost(Duration.ofSeconds(90)).until(() -> reached(referrals) == 60);
    await().atMost(Duration.ofSeconds(60)).until(() -> sentRecords(referrals).size() == 60);
    // Nothing more comes: no instance sends again what another sent.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> twice(referrals) == 0);

    Map<String, Long> records = sentRecords(referrals);
    System.out.printf(
        "scenario 7 notifier, graceful: %d status events, %d case managers emailed, %d emailed"
            + " twice, SENT records %d; sent by A %.0f, B %.0f (until it left), C %.0f%n",
        referrals.size(),
        reached(referrals),
        twice(referrals),
        records.values().stream().mapToLong(Long::longValue).sum(),
        sent(a.getBean(MeterRegistry.class)),
        sentByB,
        sent(c.getBean(MeterRegistry.class)));
    assertThat(reached(referrals)).isEqualTo(60);
    assertThat(twice(referrals)).as("case managers emailed twice").isZero();
    assertThat(records.values()).as("one SENT record per referral").containsOnly(1L);
    assertThat(sentByB).as("B sent some before it left").isPositive();
    assertThat(sent(c.getBean(MeterRegistry.class))).as("C sent some after it joined").isPositive();
    assertThat(
            sent(a.getBean(MeterRegistry.class)) + sentByB + sent(c.getBean(MeterRegistry.class)))
        .isEqualTo(60);
  }

  @Test
  void aVanishedInstancesCaseManagersAreEmailedByTheOtherAfterTheSessionTimeout() {
    ConfigurableApplicationContext a = notifier();
    ConfigurableApplicationContext b = notifier();
    awaitSplit(a, b);
    Set<Integer> ofB = owned(b);
    List<NotifierFlowTests.Referral> referrals = submitted(40);

    accepted(referrals.subList(0, 20));
    await().atMost(Duration.ofSeconds(60)).until(() -> reached(referrals) >= 10);
    // B vanishes as a killed process would: no word to the group, nothing waited for.
    b.getBean(StreamsBuilderFactoryBean.class)
        .getKafkaStreams()
        .close(new KafkaStreams.CloseOptions().leaveGroup(false));
    Instant vanished = Instant.now();
    b.close();
    running.remove(b);
    Set<String> emailedBefore = emailsByRecipient().keySet();
    accepted(referrals.subList(20, 40));
    List<NotifierFlowTests.Referral> ofBLater =
        referrals.subList(20, 40).stream()
            .filter(r -> ofB.contains(NotifierProbe.partitionOf(r.id())))
            .toList();
    // Nobody emails B's case managers until the group gives up on B.
    await().during(SESSION.minusSeconds(4)).atMost(SESSION).until(() -> reached(ofBLater) == 0);
    await().atMost(SESSION.plus(Duration.ofSeconds(60))).until(() -> reached(referrals) == 40);
    Duration takeover = Duration.between(vanished, Instant.now());
    await().atMost(Duration.ofSeconds(60)).until(() -> sentRecords(referrals).size() == 40);

    List<NotifierFlowTests.Referral> repeated =
        referrals.stream()
            .filter(r -> emailsByRecipient().getOrDefault(r.email().toLowerCase(), 0) > 1)
            .toList();
    System.out.printf(
        "scenario 7 notifier, vanished: %d status events, %d case managers emailed, %d emailed"
            + " twice (sent by B, not yet recorded); %d of B's waited for the session timeout, all"
            + " emailed %d s after B vanished%n",
        referrals.size(),
        reached(referrals),
        repeated.size(),
        ofBLater.size(),
        takeover.toSeconds());
    assertThat(reached(referrals)).as("no case manager left without the email").isEqualTo(40);
    assertThat(ofBLater).isNotEmpty();
    assertThat(owned(a)).containsAll(ofB).hasSize(6);
    // Only what B had sent and not yet recorded can go twice.
    assertThat(repeated)
        .allMatch(
            r ->
                ofB.contains(NotifierProbe.partitionOf(r.id()))
                    && emailedBefore.contains(r.email().toLowerCase()));
  }
}
