package org.referralexchange.kafka.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * The foundation under a tiny service topology (the last status of each referral, in a RocksDB
 * store with a changelog, under exactly_once_v2), against the test JVM's KRaft broker and the
 * stand-in registry, with records written as the services write them.
 */
class StreamsFoundationTests {

  private static final TopicSpec STATUS = Topics.REFERRAL_STATUS_CHANGED;
  private static final String STORE = "last-status";

  @TempDir Path dirs;

  @BeforeAll
  static void topics() {
    ExchangeInfrastructure.createExchangeTopics();
  }

  /** A service's topology: the last status change of each referral. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @EnableKafkaStreams
  static class LastStatusService {
    @Bean
    KTable<String, ReferralStatusChanged> lastStatus(StreamsBuilder builder, EventSerdes serdes) {
      // Not builder.table(topic, ...): a source table's store takes the topic's serde, which
      // writes with the topic's registered schema and so cannot write the changelog.
      return builder.stream(
              STATUS.name(),
              Consumed.with(EventSerdes.keys(), serdes.events(ReferralStatusChanged.class)))
          .toTable(
              Materialized.<String, ReferralStatusChanged, KeyValueStore<Bytes, byte[]>>as(STORE)
                  .withKeySerde(EventSerdes.keys())
                  .withValueSerde(serdes.stored(ReferralStatusChanged.class)));
    }
  }

  private static ConfigurableApplicationContext start(String applicationId, Path stateDir) {
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(LastStatusService.class)
            .web(WebApplicationType.NONE)
            .run(
                "--spring.main.banner-mode=off",
                "--spring.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
                "--spring.kafka.properties.schema.registry.url="
                    + ExchangeInfrastructure.registryUrl(),
                "--spring.kafka.streams.application-id=" + applicationId,
                // A static member, as a service on a stable host name would be: on close the
                // foundation's leave-on-close removes it from the group, so the next start of the
                // same application joins at once. A dynamic member does not leave (Streams closes
                // its consumer without a LeaveGroup), and each restart here waited the old member's
                // 45 s session timeout out: about 130 of this class's 170 s.
                "--spring.kafka.streams.properties.group.instance.id=" + applicationId,
                "--exchange.streams.state-dir=" + stateDir,
                "--exchange.streams.standby-replicas=0",
                // This application writes the dead letters of the status topic it reads.
                "--exchange.streams.dead-letter-topics=" + STATUS.name());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> streams(context).state() == KafkaStreams.State.RUNNING);
    return context;
  }

  private static KafkaStreams streams(ConfigurableApplicationContext context) {
    return context.getBean(StreamsBuilderFactoryBean.class).getKafkaStreams();
  }

  private static ReadOnlyKeyValueStore<String, ReferralStatusChanged> store(
      ConfigurableApplicationContext context) {
    return streams(context)
        .store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.keyValueStore()));
  }

  private static ReferralStatusChanged status(String referralId, ReferralStatus status) {
    return ReferralStatusChanged.newBuilder(SampleEvents.completed(referralId))
        .setEventId(UUID.randomUUID())
        .setOccurredAt(Instant.now())
        .setStatus(status)
        .build();
  }

  private static List<ConsumerRecord<String, byte[]>> deadLetters(String key) {
    return ExchangeInfrastructure.readAll(STATUS.deadLetterTopic()).stream()
        .filter(r -> key.equals(r.key()))
        .toList();
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  void runsExactlyOnceAndReadsWhatTheServicesWroteIntoAStorePerReferral() {
    String accepted = "wire-" + UUID.randomUUID();
    String rejected = "wire-" + UUID.randomUUID();
    ExchangeInfrastructure.publish(STATUS, accepted, status(accepted, ReferralStatus.RECEIVED));
    ReferralStatusChanged last = status(accepted, ReferralStatus.ACCEPTED);
    ExchangeInfrastructure.publish(STATUS, accepted, last);
    ReferralStatusChanged other = status(rejected, ReferralStatus.REJECTED);
    ExchangeInfrastructure.publish(STATUS, rejected, other);

    try (ConfigurableApplicationContext service = start("wire-" + UUID.randomUUID(), dirs)) {
      assertThat(
              service
                  .getBean(StreamsBuilderFactoryBean.class)
                  .getStreamsConfiguration()
                  .get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
          .isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(store(service).get(accepted)).isEqualTo(last);
                assertThat(store(service).get(rejected)).isEqualTo(other);
              });
    }
  }

  @Test
  void aWarmRestartRestoresNothingAndAFreshStateDirRestoresTheChangelog() throws Exception {
    String applicationId = "restart-" + UUID.randomUUID();
    Path warm = Files.createDirectories(dirs.resolve("warm"));
    List<String> referrals = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String referralId = "restart-" + UUID.randomUUID();
      referrals.add(referralId);
      ExchangeInfrastructure.publish(
          STATUS, referralId, status(referralId, ReferralStatus.ACCEPTED));
    }
    try (ConfigurableApplicationContext first = start(applicationId, warm)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> referrals.forEach(id -> assertThat(store(first).get(id)).isNotNull()));
      assertThat(first.getBean(StoreRestores.class).restored(STORE)).isZero();
    }

    try (ConfigurableApplicationContext again = start(applicationId, warm)) {
      referrals.forEach(id -> assertThat(store(again).get(id)).isNotNull());
      assertThat(again.getBean(StoreRestores.class).restored(STORE))
          .as("the local checkpoint is current: nothing read back from the changelog")
          .isZero();
    }

    Path fresh = Files.createDirectories(dirs.resolve("fresh"));
    try (ConfigurableApplicationContext cold = start(applicationId, fresh)) {
      referrals.forEach(id -> assertThat(store(cold).get(id)).isNotNull());
      assertThat(cold.getBean(StoreRestores.class).restored(STORE))
          .as("every referral came back from the changelog")
          .isGreaterThanOrEqualTo(referrals.size());
    }
  }

  @Test
  void anUndecodableRecordIsDeadLetteredOnceAndTheStreamGoesOnAcrossARestart() {
    String referralId = "poison-" + UUID.randomUUID();
    // Not Confluent-framed (magic byte 7), on the same key and so the same partition as the
    // records behind it.
    byte[] poison = {7, 0, 0, 0, 1, 42, 42};
    ExchangeInfrastructure.publishRaw(STATUS.name(), referralId, poison);
    ReferralStatusChanged behind = status(referralId, ReferralStatus.RECEIVED);
    ExchangeInfrastructure.publish(STATUS, referralId, behind);
    long poisonOffset =
        ExchangeInfrastructure.readAll(STATUS.name()).stream()
            .filter(r -> referralId.equals(r.key()))
            .findFirst()
            .orElseThrow()
            .offset();
    String applicationId = "poison-" + UUID.randomUUID();

    try (ConfigurableApplicationContext service = start(applicationId, dirs)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(store(service).get(referralId)).isEqualTo(behind));
      List<ConsumerRecord<String, byte[]>> dead = deadLetters(referralId);
      assertThat(dead).hasSize(1);
      ConsumerRecord<String, byte[]> letter = dead.get(0);
      assertThat(letter.value()).isEqualTo(poison);
      assertThat(header(letter, DeadLetters.REASON)).isEqualTo("undecodable");
      assertThat(header(letter, DeadLetters.CAUSE))
          .isEqualTo("org.referralexchange.serde.AvroSerdeException$MalformedPayload");
      assertThat(header(letter, DeadLetters.MESSAGE)).isNotBlank().doesNotContain(referralId);
      assertThat(header(letter, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(STATUS.name());
      assertThat(header(letter, DeadLetters.ORIGINAL_OFFSET))
          .isEqualTo(Long.toString(poisonOffset));
      assertThat(letter.headers().toArray())
          .extracting(Header::key)
          .as("only the exchange's dead-letter headers, none of Spring's kafka_dlt-*")
          .allMatch(key -> key.startsWith("exchange-dlt-"));
      assertThat(
              service
                  .getBean(MeterRegistry.class)
                  .get("exchange.dead_letters")
                  .tags("topic", STATUS.name(), "reason", "MalformedPayload")
                  .counter()
                  .count())
          .isEqualTo(1.0);
    }

    try (ConfigurableApplicationContext restarted = start(applicationId, dirs)) {
      ReferralStatusChanged later = status(referralId, ReferralStatus.ACCEPTED);
      ExchangeInfrastructure.publish(STATUS, referralId, later);
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(store(restarted).get(referralId)).isEqualTo(later));
      assertThat(deadLetters(referralId)).as("not dead-lettered again after a restart").hasSize(1);
    }
  }
}
