package org.referralexchange.notifier.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.kafka.streams.StoreRestores;
import org.referralexchange.notifier.NotifierApplication;
import org.referralexchange.schemas.TopicSchemaRegistration;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * The notifier's state lives in its local stores, not in the heap: a restart on the same state dir
 * finds what it knew (nothing read back from the changelogs, nothing sent again), and a status read
 * before its referral keeps waiting across a restart. And the first start of this version over the
 * previous version's history (a new application id) sends what the previous one had not told, and
 * nothing it had.
 */
class StreamsRestartTests {

  /** Every store of the notifier's topology. */
  static final List<String> STORES =
      List.of(
          "notifier-contacts",
          "notifier-statuses",
          "notifier-seen",
          "notifier-waiting-statuses",
          "notifier-waiting-overdue",
          "notifier-told",
          "notifier-pending",
          "notifier-deferred");

  String applicationId;
  Path stateDir;
  final List<ConfigurableApplicationContext> running = new ArrayList<>();

  @BeforeEach
  void application() {
    NotifierInfrastructure.startMail();
    applicationId = "restart-notifier-" + UUID.randomUUID();
    stateDir = NotifierProbe.freshStateDir();
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
                    applicationId,
                    stateDir,
                    "--notifier.wait-for-referral=PT10M",
                    // Static membership: a restarted instance takes its tasks back at once
                    // instead of waiting for the session of the one before it to time out.
                    "--exchange.streams.instance-id=" + applicationId));
    running.add(notifier);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> streams(notifier).state() == KafkaStreams.State.RUNNING);
    return notifier;
  }

  static KafkaStreams streams(ConfigurableApplicationContext notifier) {
    return notifier.getBean(StreamsBuilderFactoryBean.class).getKafkaStreams();
  }

  /** Waits until this application has read and committed everything published so far. */
  void awaitRead() {
    var ends =
        NotifierProbe.ends(
            List.of(
                Topics.REFERRAL_SUBMITTED.name(),
                Topics.REFERRAL_STATUS_CHANGED.name(),
                Topics.NOTIFICATIONS.name()));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> NotifierProbe.committedUpTo(applicationId, ends));
  }

  void close(ConfigurableApplicationContext notifier) {
    notifier.close();
    running.remove(notifier);
  }

  @Test
  void aWarmRestartRestoresAlmostNothingAndSendsNothingAgain() throws Exception {
    List<NotifierFlowTests.Referral> told = new ArrayList<>();
    ConfigurableApplicationContext first = notifier();
    for (int i = 0; i < 5; i++) {
      NotifierFlowTests.Referral referral =
          NotifierFlowTests.referral(
              NotifierFlowTests.uniqueEmail(), null, "UTC", NotificationChannel.EMAIL);
      NotifierInfrastructure.publish(
          Topics.REFERRAL_SUBMITTED, referral.id(), referral.submitted());
      NotifierInfrastructure.publish(
          Topics.REFERRAL_STATUS_CHANGED,
          referral.id(),
          NotifierFlowTests.status(
              referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null));
      told.add(referral);
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                told.stream().allMatch(r -> NotifierInfrastructure.mailTo(r.email()).size() == 1));
    awaitRead();
    close(first);

    ConfigurableApplicationContext again = notifier();
    StoreRestores restores = again.getBean(StoreRestores.class);
    long restored = STORES.stream().mapToLong(restores::restored).sum();
    // The local checkpoint was current when the first instance closed.
    assertThat(restored).as("records read back from the changelogs on a warm restart").isZero();

    NotifierFlowTests.Referral after =
        NotifierFlowTests.referral(
            NotifierFlowTests.uniqueEmail(), null, "UTC", NotificationChannel.EMAIL);
    NotifierInfrastructure.publish(Topics.REFERRAL_SUBMITTED, after.id(), after.submitted());
    NotifierInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        after.id(),
        NotifierFlowTests.status(
            after, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> NotifierInfrastructure.mailTo(after.email()).size() == 1);
    awaitRead();
    assertThat(told)
        .as("nothing told before the restart is sent again")
        .allMatch(r -> NotifierInfrastructure.mailTo(r.email()).size() == 1);
    assertThat(told)
        .allMatch(
            r -> NotifierInfrastructure.events(Topics.NOTIFICATIONS.name(), r.id()).size() == 1);
  }

  @Test
  void aStatusReadBeforeItsReferralWaitsForItAcrossARestart() throws Exception {
    ConfigurableApplicationContext first = notifier();
    NotifierFlowTests.Referral referral =
        NotifierFlowTests.referral(
            NotifierFlowTests.uniqueEmail(), null, "UTC", NotificationChannel.EMAIL);
    NotifierInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referral.id(),
        NotifierFlowTests.status(
            referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null));
    awaitRead();
    close(first);
    assertThat(NotifierInfrastructure.mailTo(referral.email())).isEmpty();

    ConfigurableApplicationContext again = notifier();
    NotifierInfrastructure.publish(Topics.REFERRAL_SUBMITTED, referral.id(), referral.submitted());

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> NotifierInfrastructure.mailTo(referral.email()).size() == 1);
    assertThat(NotifierInfrastructure.mailTo(referral.email()).get(0).getSubject())
        .contains("accepted");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !NotifierInfrastructure.events(Topics.NOTIFICATIONS.name(), referral.id())
                    .isEmpty());
    assertThat(NotifierInfrastructure.events(Topics.NOTIFICATIONS.name(), referral.id()))
        .singleElement()
        .satisfies(
            r ->
                assertThat(((NotificationRecorded) r).getOutcome())
                    .isEqualTo(NotificationOutcome.SENT));
    assertThat(streams(again).state()).isEqualTo(KafkaStreams.State.RUNNING);
  }

  @Test
  void aNewApplicationOverThePreviousVersionsHistorySendsOnlyWhatWasNotTold() {
    // History as the previous version left it: five referrals accepted and their case managers
    // emailed (the SENT record follows the status, as it did), two accepted just before it stopped.
    // Its services had registered the topics' schemas.
    TopicSchemaRegistration.registerAll(
        new SchemaRegistryClient(
            SerdeConfig.from(
                Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, NotifierInfrastructure.registryUrl()))));
    List<NotifierFlowTests.Referral> toldBefore = new ArrayList<>();
    List<NotifierFlowTests.Referral> notYetTold = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      NotifierFlowTests.Referral referral =
          NotifierFlowTests.referral(
              NotifierFlowTests.uniqueEmail(), null, "UTC", NotificationChannel.EMAIL);
      NotifierInfrastructure.publish(
          Topics.REFERRAL_SUBMITTED, referral.id(), referral.submitted());
      ReferralStatusChanged accepted =
          NotifierFlowTests.status(
              referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
      NotifierInfrastructure.publish(Topics.REFERRAL_STATUS_CHANGED, referral.id(), accepted);
      if (i < 5) {
        NotifierInfrastructure.publish(
            Topics.NOTIFICATIONS, referral.id(), sentBefore(referral, accepted));
        toldBefore.add(referral);
      } else {
        notYetTold.add(referral);
      }
    }

    notifier(); // a new application id, an empty state dir: everything is read from offset 0

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                notYetTold.stream()
                    .allMatch(r -> NotifierInfrastructure.mailTo(r.email()).size() == 1));
    awaitRead();
    assertThat(toldBefore)
        .as("case managers the previous version emailed are not emailed again")
        .allMatch(r -> NotifierInfrastructure.mailTo(r.email()).isEmpty());
    assertThat(notYetTold)
        .as("one email each for what the previous version had not told")
        .allMatch(r -> NotifierInfrastructure.mailTo(r.email()).size() == 1);
    assertThat(toldBefore)
        .as("no second record of what was told")
        .allMatch(
            r -> NotifierInfrastructure.events(Topics.NOTIFICATIONS.name(), r.id()).size() == 1);
  }

  /** The record the previous version wrote once it had emailed the case manager. */
  static NotificationRecorded sentBefore(
      NotifierFlowTests.Referral referral, ReferralStatusChanged status) {
    return NotificationRecorded.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(Instant.now())
        .setReferralId(referral.id())
        .setSourceEventId(status.getEventId())
        .setChannel(NotificationChannel.EMAIL)
        .setRecipientId(referral.submitted().getReferrer().getCaseManager().getId())
        .setTopic("accepted")
        .setOutcome(NotificationOutcome.SENT)
        .setDetail(null)
        .setProviderMessageId("<previous-version@smtp>")
        .build();
  }
}
