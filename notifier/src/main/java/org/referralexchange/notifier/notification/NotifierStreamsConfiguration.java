package org.referralexchange.notifier.notification;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.kafka.streams.BackoffPolicy;
import org.referralexchange.kafka.streams.EventSerdes;
import org.referralexchange.kafka.streams.ListenerErrorHandlers;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
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
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * The notifier on Kafka Streams (issue 15): the deciding topology ({@link NotifierTopology}) under
 * the application id {@code spring.kafka.streams.application-id} (the former ownership group,
 * {@code NOTIFIER_GROUP_ID}), and one listener container per channel on {@code notifier.sends}
 * carrying the commands out, each in its own consumer group so that an outage of one channel,
 * retried with backoff, never holds the other up.
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
      MeterRegistry meters) {
    return factory ->
        factory.setInfrastructureCustomizer(
            new KafkaStreamsInfrastructureCustomizer() {
              @Override
              public void configureTopology(Topology topology) {
                NotifierTopology.build(
                    topology,
                    serdes,
                    properties,
                    sms.configured(),
                    clock,
                    counts,
                    meters,
                    progress);
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
      ListenerErrorHandlers errorHandlers,
      NotifierProperties properties) {
    return sends(NotificationChannel.EMAIL, kafka, serdes, sender, errorHandlers, properties);
  }

  @Bean
  ConcurrentMessageListenerContainer<String, NotificationRequested> smsSends(
      KafkaProperties kafka,
      EventSerdes serdes,
      NotificationSender sender,
      ListenerErrorHandlers errorHandlers,
      NotifierProperties properties) {
    return sends(NotificationChannel.SMS, kafka, serdes, sender, errorHandlers, properties);
  }

  private static ConcurrentMessageListenerContainer<String, NotificationRequested> sends(
      NotificationChannel channel,
      KafkaProperties kafka,
      EventSerdes serdes,
      NotificationSender sender,
      ListenerErrorHandlers errorHandlers,
      NotifierProperties properties) {
    Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
    String applicationId = kafka.getStreams().getApplicationId();
    config.put(
        ConsumerConfig.GROUP_ID_CONFIG,
        applicationId + "-sends-" + channel.name().toLowerCase(java.util.Locale.ROOT));
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
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
    ContainerProperties container = new ContainerProperties(Topics.NOTIFIER_SENDS.name());
    container.setAckMode(ContainerProperties.AckMode.RECORD);
    container.setMessageListener(
        (MessageListener<String, NotificationRequested>)
            record -> {
              if (record.value() != null
                  && record.value().getChannel() == channel
                  && issuedBy(record, applicationId)) {
                sender.handle(record.value());
              }
            });
    ConcurrentMessageListenerContainer<String, NotificationRequested> sends =
        new ConcurrentMessageListenerContainer<>(consumers, container);
    sends.setConcurrency(properties.senderConcurrency());
    sends.setBeanName("notifier-sends-" + channel.name().toLowerCase(java.util.Locale.ROOT));
    DefaultErrorHandler handler = errorHandlers.errorHandler(BackoffPolicy.SIDE_EFFECTS);
    // An outage is waited out however long it lasts (notifier.backoff.*): nothing is recorded or
    // dead-lettered for it. Anything else follows the shared side-effects policy.
    handler.setBackOffFunction(
        (record, failure) -> isOutage(failure) ? outageBackOff(properties.backoff()) : null);
    sends.setCommonErrorHandler(handler);
    return sends;
  }

  /**
   * Whether this application issued the command: a sender group that is new (its application id is)
   * reads the topic from the start and must not carry out another application's commands.
   */
  private static boolean issuedBy(
      org.apache.kafka.clients.consumer.ConsumerRecord<?, ?> record, String applicationId) {
    org.apache.kafka.common.header.Header header =
        record.headers().lastHeader(NotificationProcessor.ISSUED_BY);
    return header != null
        && applicationId.equals(
            new String(header.value(), java.nio.charset.StandardCharsets.UTF_8));
  }

  private static boolean isOutage(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ChannelUnavailableException) {
        return true;
      }
    }
    return false;
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
