package org.referralexchange.notifier.notification;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.kafka.streams.EventSerdes;
import org.referralexchange.kafka.streams.ExchangeStreamsProperties;
import org.referralexchange.notifier.config.NotifierProperties;
import org.referralexchange.schemas.Topics;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultAfterRollbackProcessor;
import org.springframework.kafka.transaction.KafkaTransactionManager;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * The notifier on Kafka Streams: the deciding topology ({@link NotifierTopology}) under the
 * application id {@code spring.kafka.streams.application-id} (the former ownership group, {@code
 * NOTIFIER_GROUP_ID}), and one listener container per channel on {@code notifier.sends} carrying
 * the commands out, each in its own consumer group so that an outage of one channel, retried with
 * backoff, never holds the other up.
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
class NotifierStreamsConfiguration {

  @Bean
  RecordedProgress recordedProgress(KafkaAdmin admin) {
    return new RecordedProgress(admin);
  }

  @Bean
  StreamsBuilderFactoryBeanConfigurer notifierTopology(
      RecordedProgress progress,
      EventSerdes serdes,
      NotifierProperties properties,
      SmsDelivery sms,
      Clock clock,
      NotificationCounts counts,
      MeterRegistry meters,
      ExchangeStreamsProperties streamsProperties) {
    Set<String> deadLetterTopics = Set.copyOf(streamsProperties.deadLetterTopics());
    return factory ->
        factory.setInfrastructureCustomizer(
            new KafkaStreamsInfrastructureCustomizer() {
              @Override
              public void configureTopology(Topology topology) {
                NotifierTopology.build(
                    topology,
                    serdes,
                    () ->
                        new NotificationProcessor(
                            properties,
                            sms.configured(),
                            clock,
                            counts,
                            meters,
                            progress,
                            deadLetterTopics));
              }
            });
  }

  /** Ready once the topology runs: every active store restored. */
  @Bean
  HealthIndicator notifierStreams(StreamsBuilderFactoryBean streams) {
    return () -> {
      KafkaStreams kafkaStreams = streams.getKafkaStreams();
      KafkaStreams.State state = kafkaStreams == null ? null : kafkaStreams.state();
      return (state == KafkaStreams.State.RUNNING ? Health.up() : Health.outOfService())
          .withDetail("state", String.valueOf(state))
          .build();
    };
  }

  @Bean
  ConcurrentMessageListenerContainer<String, NotificationRequested> emailSends(
      KafkaProperties kafka,
      EventSerdes serdes,
      NotificationSender sender,
      NotifierProperties properties,
      ExchangeStreamsProperties streamsProperties) {
    return sends(NotificationChannel.EMAIL, kafka, serdes, sender, properties, streamsProperties);
  }

  @Bean
  ConcurrentMessageListenerContainer<String, NotificationRequested> smsSends(
      KafkaProperties kafka,
      EventSerdes serdes,
      NotificationSender sender,
      NotifierProperties properties,
      ExchangeStreamsProperties streamsProperties) {
    return sends(NotificationChannel.SMS, kafka, serdes, sender, properties, streamsProperties);
  }

  private static ConcurrentMessageListenerContainer<String, NotificationRequested> sends(
      NotificationChannel channel,
      KafkaProperties kafka,
      EventSerdes serdes,
      NotificationSender sender,
      NotifierProperties properties,
      ExchangeStreamsProperties streamsProperties) {
    Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
    String applicationId = kafka.getStreams().getApplicationId();
    String group = applicationId + "-sends-" + channel.name().toLowerCase(java.util.Locale.ROOT);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    if (!streamsProperties.instanceId().isEmpty()) {
      // Static membership, as for the stream threads: a restarted instance has its command
      // partitions back at once (the container suffixes each consumer's id with its index).
      config.put(
          ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, streamsProperties.instanceId() + "-" + group);
    }
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Commands become readable when the processor's transaction commits (every commit.interval.ms,
    // 100 ms under exactly-once), and a commit marker does not end a fetch the broker is holding:
    // wait no longer than that interval, not the default 500 ms, for commands to arrive.
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    // One transaction per poll: the batch is what a crash may send again.
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.senderBatch());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Only committed commands: the processor writes them in transactions.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // The error handler waits in the poll loop between retries of an outage.
    config.put(
        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
        (int) properties.backoff().max().plus(Duration.ofMinutes(1)).toMillis());
    DefaultKafkaConsumerFactory<String, NotificationRequested> consumers =
        new DefaultKafkaConsumerFactory<>(
            config,
            new StringDeserializer(),
            serdes.events(NotificationRequested.class).deserializer());
    // What a sender records and the commands' offsets are committed in one transaction per poll:
    // a crash repeats at most the messages of the open batch, never one already recorded.
    KafkaTemplate<String, SpecificRecord> records =
        recordsTemplate(kafka, serdes, group, streamsProperties.instanceId());
    ContainerProperties container = new ContainerProperties(Topics.NOTIFIER_SENDS.name());
    container.setAckMode(ContainerProperties.AckMode.BATCH);
    container.setKafkaAwareTransactionManager(
        new KafkaTransactionManager<>(records.getProducerFactory()));
    container.setMessageListener(
        (BatchMessageListener<String, NotificationRequested>)
            batch -> {
              for (ConsumerRecord<String, NotificationRequested> record : batch) {
                if (record.value() != null
                    && record.value().getChannel() == channel
                    && issuedBy(record, applicationId)) {
                  sender.handle(record.value(), records);
                }
              }
            });
    ConcurrentMessageListenerContainer<String, NotificationRequested> sends =
        new ConcurrentMessageListenerContainer<>(consumers, container);
    sends.setConcurrency(properties.senderConcurrency());
    sends.setBeanName("notifier-sends-" + channel.name().toLowerCase(java.util.Locale.ROOT));
    // A failure rolls the batch back, and the after-rollback processor seeks back to its start and
    // waits. What escapes the sender is an outage of the channel or of Kafka (the sender records
    // every other failure as FAILED), so it is waited out however long it lasts
    // (notifier.backoff.*): nothing is recorded or dead-lettered for it.
    sends.setAfterRollbackProcessor(
        new DefaultAfterRollbackProcessor<>(outageBackOff(properties.backoff())));
    return sends;
  }

  /**
   * A transactional producer for one channel's senders. Its transactional ids start with the sender
   * group and the instance's stable name ({@code exchange.streams.instance-id}), so a restarted
   * instance fences and aborts what its predecessor left open; without one, a random name, and an
   * open transaction of a crashed instance is aborted when it times out.
   */
  private static KafkaTemplate<String, SpecificRecord> recordsTemplate(
      KafkaProperties kafka, EventSerdes serdes, String group, String instanceId) {
    Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // The records of a batch are sent as they are made; the commit flushes them.
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
    DefaultKafkaProducerFactory<String, SpecificRecord> producers =
        new DefaultKafkaProducerFactory<>(
            config, new StringSerializer(), serdes.events().serializer());
    String name = instanceId.isEmpty() ? UUID.randomUUID().toString() : instanceId;
    producers.setTransactionIdPrefix(group + "-" + name + "-");
    return new KafkaTemplate<>(producers);
  }

  /**
   * Whether this application issued the command: a sender group that is new (its application id is)
   * reads the topic from the start and must not carry out another application's commands.
   */
  private static boolean issuedBy(ConsumerRecord<?, ?> record, String applicationId) {
    org.apache.kafka.common.header.Header header =
        record.headers().lastHeader(NotificationProcessor.ISSUED_BY);
    return header != null
        && applicationId.equals(
            new String(header.value(), java.nio.charset.StandardCharsets.UTF_8));
  }

  private static ExponentialBackOff outageBackOff(NotifierProperties.Backoff backoff) {
    ExponentialBackOff backOff = new ExponentialBackOff();
    backOff.setInitialInterval(backoff.initial().toMillis());
    backOff.setMultiplier(backoff.multiplier());
    backOff.setMaxInterval(backoff.max().toMillis());
    backOff.setMaxElapsedTime(Long.MAX_VALUE);
    return backOff;
  }
}
