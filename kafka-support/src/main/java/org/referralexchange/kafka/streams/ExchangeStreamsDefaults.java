package org.referralexchange.kafka.streams;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.streams.RecoveringDeserializationExceptionHandler;

/**
 * What every service's Kafka Streams shares, applied after Spring Boot's own configurer (which
 * gives {@code spring.kafka.*}: brokers, {@code security.protocol}, SSL and every {@code
 * spring.kafka.properties} key such as {@code sasl.*} and {@code schema.registry.url}, then {@code
 * spring.kafka.streams.*}):
 *
 * <ul>
 *   <li>{@code processing.guarantee=exactly_once_v2}: every Kafka-to-Kafka step is one transaction;
 *       not left to configuration: every service promises it.
 *   <li>the state dir and standby count of {@link ExchangeStreamsProperties};
 *   <li>String keys by default (referral ids);
 *   <li>undecodable records skipped, and dead-lettered first when their topic is one of {@code
 *       exchange.streams.dead-letter-topics} ({@link DeadLetteringDeserializationHandler});
 *   <li>a thread that failed because the registry was unreachable is replaced (the record is read
 *       again); any other failure stops the client, so the service reports itself down instead of
 *       looping on a bug;
 *   <li>{@link StoreRestores} counting what each store restored;
 *   <li>an instance that stops leaves its group at once, if it is a static member (see {@link
 *       #configure}).
 * </ul>
 */
public class ExchangeStreamsDefaults implements StreamsBuilderFactoryBeanConfigurer {

  private static final Logger log = LoggerFactory.getLogger(ExchangeStreamsDefaults.class);

  private final ExchangeStreamsProperties properties;
  private final DeadLetterRecoverer deadLetters;
  private final StoreRestores restores;

  public ExchangeStreamsDefaults(
      ExchangeStreamsProperties properties,
      DeadLetterRecoverer deadLetters,
      StoreRestores restores) {
    this.properties = properties;
    this.deadLetters = deadLetters;
    this.restores = restores;
  }

  @Override
  public void configure(StreamsBuilderFactoryBean factory) {
    Properties config = factory.getStreamsConfiguration();
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    config.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG, properties.stateDir().toString());
    config.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, properties.standbyReplicas());
    if (!properties.instanceId().isEmpty()) {
      // Kafka Streams suffixes it with each stream thread's index.
      config.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, properties.instanceId());
    }
    config.putIfAbsent(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    config.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetteringDeserializationHandler.class);
    config.put(
        RecoveringDeserializationExceptionHandler.KSTREAM_DESERIALIZATION_RECOVERER,
        (ConsumerRecordRecoverer) this::undecodable);
    factory.setStreamsConfiguration(config);
    factory.setStateRestoreListener(restores);
    // A stopping instance hands its tasks over at once (to a standby) rather than leaving them
    // unprocessed until its session times out; a restart still finds its checkpointed stores.
    // Kafka Streams (4.1) honours this for static members only: with a group.instance.id
    // (exchange.streams.instance-id, e.g. a stable pod name) close removes the member
    // through the admin client. A dynamic member's consumer closes without a LeaveGroup, and the
    // group waits session.timeout.ms (45 s) for it: an instance restarted sooner is not assigned
    // anything until then.
    factory.setLeaveGroupOnClose(true);
    factory.setStreamsUncaughtExceptionHandler(
        failure ->
            DeadLetteringDeserializationHandler.isTransient(failure)
                ? StreamThreadExceptionResponse.REPLACE_THREAD
                : StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }

  /**
   * Dead-letters an undecodable record of a topic this application writes the dead letters of;
   * skips one of another's topic, whose owner dead-letters it (once).
   */
  private void undecodable(ConsumerRecord<?, ?> record, Exception cause) {
    if (properties.deadLetterTopics().contains(record.topic())) {
      deadLetters.accept(record, cause);
    } else {
      log.warn(
          "Skipped an undecodable record of {}-{} at offset {} ({}); its dead letter is written by"
              + " the service that owns the topic",
          record.topic(),
          record.partition(),
          record.offset(),
          cause.getClass().getSimpleName());
    }
  }

  /** After Boot's configurer, which runs first ({@code Integer.MIN_VALUE}). */
  @Override
  public int getOrder() {
    return 0;
  }
}
