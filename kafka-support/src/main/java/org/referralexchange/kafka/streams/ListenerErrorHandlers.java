package org.referralexchange.kafka.streams;

import org.apache.kafka.common.errors.SerializationException;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DefaultAfterRollbackProcessor;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Error handlers for listener containers (the command consumers): Spring Kafka's {@link
 * DefaultErrorHandler} retrying by a named {@link BackoffPolicy}, then dead-lettering through the
 * same {@link DeadLetterRecoverer} as the Streams side. Undecodable and refused records go to the
 * dead-letter topic at once.
 */
public final class ListenerErrorHandlers {

  private final DeadLetterRecoverer recoverer;

  public ListenerErrorHandlers(DeadLetterRecoverer recoverer) {
    this.recoverer = recoverer;
  }

  /** A new handler (one per container: a handler keeps per-record retry state). */
  public DefaultErrorHandler errorHandler(BackoffPolicy policy) {
    DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff(policy));
    // DeserializationException is already not retryable in DefaultErrorHandler.
    handler.addNotRetryableExceptions(ContentRefusedException.class, SerializationException.class);
    return handler;
  }

  /**
   * The same policy for a container whose listener runs in a Kafka transaction (its records and the
   * consumed offset committed together): after the rollback the record is retried, then
   * dead-lettered, and the dead-lettered record's offset committed in a transaction of {@code
   * transactions}, so it is not read again.
   */
  public <K, V> DefaultAfterRollbackProcessor<K, V> afterRollback(
      BackoffPolicy policy, KafkaOperations<?, ?> transactions) {
    DefaultAfterRollbackProcessor<K, V> processor =
        new DefaultAfterRollbackProcessor<>(recoverer, backOff(policy), transactions, true);
    processor.addNotRetryableExceptions(
        ContentRefusedException.class, SerializationException.class);
    return processor;
  }

  private static ExponentialBackOff backOff(BackoffPolicy policy) {
    ExponentialBackOff backOff = new ExponentialBackOff();
    backOff.setInitialInterval(policy.initialInterval().toMillis());
    backOff.setMultiplier(policy.multiplier());
    backOff.setMaxInterval(policy.maxInterval().toMillis());
    backOff.setMaxElapsedTime(policy.maxElapsed().toMillis());
    return backOff;
  }
}
