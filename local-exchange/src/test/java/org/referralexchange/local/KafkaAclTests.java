package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.notifier.NotifierApplication;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.referralexchange.schemas.TopicSchemaRegistration;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * The broker secured as docker-compose secures it (SCRAM-SHA-512 for clients, the
 * StandardAuthorizer denying what no ACL allows), the ACLs of docs/kafka-security.md, and real
 * clients authenticating as each service: each may do what its row of the table says and is refused
 * the rest.
 */
class KafkaAclTests {

  static final String GATEWAY = "referral-gateway";
  static final String ADAPTER = "agency-adapter";
  static final String NOTIFIER = "notifier";
  static final String REGISTRY = "schema-registry";
  static final String SCHEMAS_TOPIC = "_schemas";

  /**
   * The table of docs/kafka-security.md: per service, the topics it reads and those it writes. READ
   * and WRITE each imply DESCRIBE. The event log needs no group ACL (it assigns partitions itself,
   * without a consumer group); the groups that divide work are in {@link #GROUPS}. No service needs
   * CREATE (topics are created by the admin) or IDEMPOTENT_WRITE (since Kafka 3.0 WRITE on a topic
   * lets a producer be idempotent).
   */
  static final Map<String, Map<AclOperation, List<String>>> ACLS = acls();

  /**
   * The consumer group each service may join (READ on the group): the adapter's instances divide
   * their work through it ({@code WorkOwnership}); the notifier's groups are in {@link #PREFIXED}.
   */
  static final Map<String, String> GROUPS = Map.of(ADAPTER, ADAPTER);

  /**
   * What a Kafka Streams application needs beyond its topics, for the notifier (application id
   * {@code notifier}): its internal topics ({@code notifier-<store>-changelog}), which it creates
   * and checks the configuration of; its groups (the application's, and one per sender: {@code
   * notifier-sends-email}, {@code notifier-sends-sms}); its transactional ids ({@code
   * exactly_once_v2}: {@code notifier-<process>-<thread>}). Each is a prefix.
   */
  static final List<AclBinding> PREFIXED = prefixed();

  private static List<AclBinding> prefixed() {
    List<AclBinding> bindings = new ArrayList<>();
    for (AclOperation operation :
        List.of(
            AclOperation.CREATE,
            AclOperation.READ,
            AclOperation.WRITE,
            AclOperation.DESCRIBE_CONFIGS)) {
      bindings.add(prefixed(NOTIFIER, operation, ResourceType.TOPIC, NOTIFIER + "-"));
    }
    bindings.add(prefixed(NOTIFIER, AclOperation.READ, ResourceType.GROUP, NOTIFIER));
    bindings.add(prefixed(NOTIFIER, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, NOTIFIER));
    bindings.add(
        prefixed(NOTIFIER, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, NOTIFIER));
    return List.copyOf(bindings);
  }

  static AclBinding prefixed(
      String service, AclOperation operation, ResourceType type, String prefix) {
    return new AclBinding(
        new ResourcePattern(type, prefix, PatternType.PREFIXED),
        new AccessControlEntry("User:" + service, "*", operation, AclPermissionType.ALLOW));
  }

  private static final Map<String, String> PASSWORDS =
      Map.of(
          GATEWAY, "gateway-test-secret",
          ADAPTER, "adapter-test-secret",
          NOTIFIER, "notifier-test-secret",
          REGISTRY, "registry-test-secret");

  @TempDir static Path dataDir;

  private static KafkaBrokerComponent broker;

  private static Map<String, Map<AclOperation, List<String>>> acls() {
    String submitted = Topics.REFERRAL_SUBMITTED.name();
    String status = Topics.REFERRAL_STATUS_CHANGED.name();
    String delivered = Topics.REFERRAL_DELIVERED.name();
    String overdue = Topics.REFERRAL_OVERDUE.name();
    String refused = Topics.REFERRAL_REPORT_REFUSED.name();
    String notifications = Topics.NOTIFICATIONS.name();
    String consents = Topics.CONSENT_EVENTS.name();
    String directory = Topics.PROVIDER_DIRECTORY.name();
    String disclosures = Topics.CONSENT_DISCLOSURES.name();
    String intakeViews = Topics.INTAKE_PAGE_VIEWED.name();
    Map<String, Map<AclOperation, List<String>>> acls = new LinkedHashMap<>();
    acls.put(
        GATEWAY,
        Map.of(
            // ConsentView, ReferralView, ProviderDirectoryView, DisclosureView
            AclOperation.READ, List.of(consents, submitted, status, directory, disclosures),
            // ConsentService, ReferralService (submit, cancel)
            AclOperation.WRITE, List.of(consents, submitted, status)));
    // ReportedRefusals reads back referral.report-refused; RefusalReporter writes it.
    // DirectoryPublisher lists the adapter's own providers.
    List<String> adapterReads =
        List.of(submitted, status, delivered, overdue, refused, consents, directory, disclosures);
    List<String> adapterWrites =
        new ArrayList<>(List.of(delivered, status, overdue, refused, directory, disclosures));
    List<String> adapterReadsToo = new ArrayList<>(adapterReads);
    // dead-letter-undecodable: true, so DeadLetterWriter reads and writes <topic>-dlt for every
    // topic its views read; DeliveryWorker also writes referral.submitted-dlt.
    for (String topic : adapterReads) {
      adapterWrites.add(topic + Topics.DEAD_LETTER_SUFFIX);
      adapterReadsToo.add(topic + Topics.DEAD_LETTER_SUFFIX);
    }
    // IntakeViews records each view of an intake page; nothing reads it back.
    adapterWrites.add(intakeViews);
    acls.put(
        ADAPTER,
        Map.of(AclOperation.READ, adapterReadsToo, AclOperation.WRITE, List.copyOf(adapterWrites)));
    String sends = Topics.NOTIFIER_SENDS.name();
    acls.put(
        NOTIFIER,
        Map.of(
            // Its Kafka Streams topology (the referral topics and what it told), its senders
            // (notifier.sends), ProviderDirectoryView
            AclOperation.READ, List.of(submitted, status, overdue, notifications, sends, directory),
            // The topology: commands, what it recorded itself, and a refused record to the
            // dead-letter topic of the topic it came from; the senders: what they sent, and a
            // command they gave up on
            AclOperation.WRITE,
                List.of(
                    notifications,
                    sends,
                    submitted + Topics.DEAD_LETTER_SUFFIX,
                    status + Topics.DEAD_LETTER_SUFFIX,
                    overdue + Topics.DEAD_LETTER_SUFFIX,
                    notifications + Topics.DEAD_LETTER_SUFFIX,
                    sends + Topics.DEAD_LETTER_SUFFIX)));
    acls.put(
        REGISTRY,
        Map.of(
            AclOperation.READ, List.of(SCHEMAS_TOPIC),
            AclOperation.WRITE, List.of(SCHEMAS_TOPIC),
            AclOperation.DESCRIBE_CONFIGS, List.of(SCHEMAS_TOPIC)));
    return acls;
  }

  @BeforeAll
  static void startSecuredBrokerWithTheTablesAcls() throws Exception {
    broker =
        new KafkaBrokerComponent(
            new KafkaBrokerComponent.Settings(
                dataDir,
                LocalSettings.kafkaLibsBesideLauncher(),
                FreePorts.next(),
                FreePorts.next(),
                Duration.ofSeconds(60)),
            Optional.of(new KafkaBrokerComponent.Security("admin-test-secret", PASSWORDS)));
    broker.start();
    try (Admin admin = Admin.create(adminConfig())) {
      List<NewTopic> topics = new ArrayList<>();
      for (TopicSpec spec : Topics.ALL) {
        topics.add(new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(spec.config()));
        topics.add(new NewTopic(spec.deadLetterTopic(), spec.partitions(), (short) 1));
      }
      topics.add(
          new NewTopic(SCHEMAS_TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")));
      admin.createTopics(topics).all().get();
      List<AclBinding> bindings = new ArrayList<>();
      ACLS.forEach(
          (service, operations) ->
              operations.forEach(
                  (operation, names) -> {
                    for (String topic : names) {
                      bindings.add(
                          new AclBinding(
                              new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                              new AccessControlEntry(
                                  "User:" + service, "*", operation, AclPermissionType.ALLOW)));
                    }
                  }));
      GROUPS.forEach(
          (service, group) ->
              bindings.add(
                  new AclBinding(
                      new ResourcePattern(ResourceType.GROUP, group, PatternType.LITERAL),
                      new AccessControlEntry(
                          "User:" + service, "*", AclOperation.READ, AclPermissionType.ALLOW))));
      bindings.addAll(PREFIXED);
      admin.createAcls(bindings).all().get();
      // createAcls returns once the controller has committed them; the broker applies them from
      // the metadata log a moment later. Until it serves every one, the first tests could be
      // refused (seen with a load average of 30): wait for the broker's own answer.
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  admin
                      .describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY)
                      .values()
                      .get()
                      .containsAll(bindings));
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.stop();
    }
  }

  @Test
  void gatewayWritesReferralsAndConsentsAndReadsConsents() throws Exception {
    long offset = send(GATEWAY, Topics.REFERRAL_SUBMITTED.name(), "referral-1");
    send(GATEWAY, Topics.CONSENT_EVENTS.name(), "consent-1");

    assertThat(offset).isGreaterThanOrEqualTo(0);
    assertThat(readAll(GATEWAY, Topics.CONSENT_EVENTS.name())).contains("consent-1");
    assertThat(readAll(GATEWAY, Topics.REFERRAL_SUBMITTED.name())).contains("referral-1");
  }

  @Test
  void notifierIsRefusedWritingReferralsAndReadingConsents() {
    assertThatThrownBy(() -> send(NOTIFIER, Topics.REFERRAL_SUBMITTED.name(), "forged"))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TopicAuthorizationException.class);
    assertThatThrownBy(() -> readAll(NOTIFIER, Topics.CONSENT_EVENTS.name()))
        .isInstanceOf(TopicAuthorizationException.class);
  }

  @Test
  void notifierWritesItsNotificationsAndReadsReferrals() throws Exception {
    send(GATEWAY, Topics.REFERRAL_SUBMITTED.name(), "referral-for-notifier");
    send(NOTIFIER, Topics.NOTIFICATIONS.name(), "notified-1");

    assertThat(readAll(NOTIFIER, Topics.NOTIFICATIONS.name())).contains("notified-1");
    assertThat(readAll(NOTIFIER, Topics.REFERRAL_SUBMITTED.name()))
        .contains("referral-for-notifier");
  }

  @Test
  void adapterWritesDeliveriesAndStatusButNotConsents() throws Exception {
    send(ADAPTER, Topics.REFERRAL_DELIVERED.name(), "delivered-1");
    send(ADAPTER, Topics.REFERRAL_STATUS_CHANGED.name(), "status-1");
    send(ADAPTER, Topics.REFERRAL_SUBMITTED.deadLetterTopic(), "dead-1");

    assertThatThrownBy(() -> send(ADAPTER, Topics.CONSENT_EVENTS.name(), "forged-consent"))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TopicAuthorizationException.class);
    assertThatThrownBy(() -> send(ADAPTER, Topics.NOTIFICATIONS.name(), "forged-notification"))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TopicAuthorizationException.class);
    assertThat(readAll(ADAPTER, Topics.CONSENT_EVENTS.name())).isNotNull();
  }

  @Test
  void adapterAndNotifierJoinTheirOwnGroupsAndNoOtherGroup() {
    assertThat(joinGroup(ADAPTER, ADAPTER, Topics.REFERRAL_SUBMITTED.name())).isNotEmpty();
    assertThat(joinGroup(NOTIFIER, NOTIFIER, Topics.REFERRAL_STATUS_CHANGED.name())).isNotEmpty();
    assertThatThrownBy(() -> joinGroup(NOTIFIER, ADAPTER, Topics.REFERRAL_SUBMITTED.name()))
        .isInstanceOf(GroupAuthorizationException.class);
    assertThatThrownBy(() -> joinGroup(GATEWAY, GATEWAY, Topics.REFERRAL_SUBMITTED.name()))
        .isInstanceOf(GroupAuthorizationException.class);
  }

  /** Joins {@code group} as WorkOwnership does and answers the partitions it was given. */
  private static java.util.Set<TopicPartition> joinGroup(String user, String group, String topic) {
    Map<String, Object> config = clientConfig(user, PASSWORDS.get(user));
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200));
      }
      return consumer.assignment();
    }
  }

  /**
   * The notifier itself, on Kafka Streams with {@code exactly_once_v2}, as {@code User:notifier}
   * with the table's grants and nothing more: it creates its changelog topics, joins its groups,
   * commits in transactions, and emails the case manager of a completed referral. The registry runs
   * as {@code User:schema-registry}; the referral is written by the admin, standing in for the
   * gateway and the adapter.
   */
  @Test
  void theNotifierOnKafkaStreamsWorksWithItsGrantsAlone(@TempDir Path stateDir) throws Exception {
    MailCatcherComponent mail =
        new MailCatcherComponent(new MailCatcherComponent.Settings(0, stateDir.resolve("mail")));
    ConfigurableApplicationContext registry = null;
    ConfigurableApplicationContext notifier = null;
    mail.start();
    try {
      registry =
          SchemaRegistryApplication.builder()
              .main(SchemaRegistryApplication.class)
              .run(
                  withClientSettings(
                      "--registry.kafka.properties.",
                      REGISTRY,
                      "--server.port=0",
                      "--"
                          + SchemaRegistryComponent.BOOTSTRAP_PROPERTY
                          + "="
                          + broker.bootstrapServers(),
                      "--springdoc.api-docs.enabled=false",
                      "--springdoc.swagger-ui.enabled=false"));
      String registryUrl =
          "http://127.0.0.1:" + registry.getEnvironment().getProperty("local.server.port");
      TopicSchemaRegistration.registerAll(
          new SchemaRegistryClient(
              SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl))));

      notifier =
          new SpringApplicationBuilder(NotifierApplication.class)
              .run(
                  withClientSettings(
                      "--spring.kafka.properties.",
                      NOTIFIER,
                      "--server.port=0",
                      "--spring.autoconfigure.exclude="
                          + SpringServiceComponent.SECURITY_AUTO_CONFIGURATION,
                      "--springdoc.api-docs.enabled=false",
                      "--springdoc.swagger-ui.enabled=false",
                      "--spring.kafka.bootstrap-servers=" + broker.bootstrapServers(),
                      "--spring.kafka.security.protocol=SASL_PLAINTEXT",
                      // Topics are the admin's; the notifier may not create the exchange's topics.
                      "--spring.kafka.admin.auto-create=false",
                      "--spring.kafka.properties.schema.registry.url=" + registryUrl,
                      "--spring.mail.host=127.0.0.1",
                      "--spring.mail.port=" + mail.smtpPort(),
                      "--notifier.tick-interval=PT0.2S",
                      "--notifier.gateway-base-url=https://gateway.test",
                      "--exchange.streams.state-dir=" + stateDir.resolve("streams")));

      String referralId = "acl-" + UUID.randomUUID();
      ReferralSubmitted submitted = SampleEvents.referralSubmitted(referralId);
      submitted.getReferrer().getCaseManager().setEmail(referralId + "@county.example");
      Map<String, Object> config = new HashMap<>(adminConfig());
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
      config.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
      config.put(SerdeConfig.USE_LATEST_VERSION, true);
      try (KafkaProducer<String, Object> producer =
          new KafkaProducer<>(config, new StringSerializer(), avroSerializer(config))) {
        producer
            .send(new ProducerRecord<>(Topics.REFERRAL_SUBMITTED.name(), referralId, submitted))
            .get();
        producer
            .send(
                new ProducerRecord<>(
                    Topics.REFERRAL_STATUS_CHANGED.name(),
                    referralId,
                    SampleEvents.completed(referralId)))
            .get();
      }

      String address = referralId + "@county.example";
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> mail.messages().stream().anyMatch(m -> recipients(m).contains(address)));
      // A rebalance may still be settling (Kafka Streams probes and follows up on its own), so
      // wait for RUNNING; a grant the notifier lacks sends it to ERROR, which never gets there.
      KafkaStreams streams = notifier.getBean(StreamsBuilderFactoryBean.class).getKafkaStreams();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                assertThat(streams.state())
                    .isNotIn(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR);
                return streams.state() == KafkaStreams.State.RUNNING;
              });
      assertThat(mail.messages().stream().filter(m -> recipients(m).contains(address)))
          .singleElement()
          .satisfies(m -> assertThat(m.getSubject()).contains("completed"));
    } finally {
      if (notifier != null) {
        notifier.close();
      }
      if (registry != null) {
        registry.close();
      }
      mail.stop();
    }
  }

  /** Arguments, with the SASL settings of {@code user} under {@code prefix}. */
  private static String[] withClientSettings(String prefix, String user, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    KafkaBrokerComponent.Security.clientConfig(user, PASSWORDS.get(user))
        .forEach((key, value) -> all.add(prefix + key + "=" + value));
    return all.toArray(String[]::new);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static org.apache.kafka.common.serialization.Serializer<Object> avroSerializer(
      Map<String, Object> config) {
    AvroSerializer serializer = new AvroSerializer<>();
    serializer.configure(config, false);
    return serializer;
  }

  private static List<String> recipients(jakarta.mail.internet.MimeMessage message) {
    try {
      return java.util.Arrays.stream(message.getAllRecipients())
          .map(a -> a.toString().toLowerCase(java.util.Locale.ROOT))
          .toList();
    } catch (jakarta.mail.MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void gatewayIsRefusedTheNotificationsAndTheSchemasTopic() {
    assertThatThrownBy(() -> readAll(GATEWAY, Topics.NOTIFICATIONS.name()))
        .isInstanceOf(TopicAuthorizationException.class);
    assertThatThrownBy(() -> send(GATEWAY, SCHEMAS_TOPIC, "forged-schema"))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TopicAuthorizationException.class);
  }

  @Test
  void registryWritesAndReadsOnlyTheSchemasTopic() throws Exception {
    send(REGISTRY, SCHEMAS_TOPIC, "schema-1");

    assertThat(readAll(REGISTRY, SCHEMAS_TOPIC)).contains("schema-1");
    assertThatThrownBy(() -> send(REGISTRY, Topics.REFERRAL_SUBMITTED.name(), "forged"))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(TopicAuthorizationException.class);
  }

  @Test
  void aWrongPasswordFailsAuthentication() {
    assertThatThrownBy(
            () -> send(GATEWAY, "not-the-password", Topics.REFERRAL_SUBMITTED.name(), "forged"))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(SaslAuthenticationException.class);
    assertThatThrownBy(() -> send("intruder", "guessed", Topics.REFERRAL_SUBMITTED.name(), "x"))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(SaslAuthenticationException.class);
  }

  private static Map<String, Object> adminConfig() {
    Map<String, Object> config = new HashMap<>(broker.adminClientConfig());
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    return config;
  }

  private static Map<String, Object> clientConfig(String user, String password) {
    Map<String, Object> config =
        new HashMap<>(KafkaBrokerComponent.Security.clientConfig(user, password));
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    return config;
  }

  private static long send(String user, String topic, String value) throws Exception {
    return send(user, PASSWORDS.get(user), topic, value);
  }

  /** Sends one record as the services do: idempotent, acks=all; waits for the answer. */
  private static long send(String user, String password, String topic, String value)
      throws Exception {
    Map<String, Object> config = clientConfig(user, password);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      return producer.send(new ProducerRecord<>(topic, value, value)).get().offset();
    }
  }

  /**
   * Reads a topic from the beginning to its end as the event log does: partitions assigned, no
   * consumer group, so only the topic's READ ACL is checked.
   */
  private static List<String> readAll(String user, String topic) {
    Map<String, Object> config = clientConfig(user, PASSWORDS.get(user));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(15));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
    }
    return values;
  }
}
