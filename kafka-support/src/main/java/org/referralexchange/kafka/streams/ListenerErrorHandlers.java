package org.referralexchange.kafka.streams;

import org.apache.kafka.common.errors.SerializationException;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Error handlers for listener containers (the command consumers to come): Spring Kafka's {@link
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
    ExponentialBackOff backOff = new ExponentialBackOff();
    backOff.setInitialInterval(policy.initialInterval().toMillis());
    backOff.setMultiplier(policy.multiplier());
    backOff.setMaxInterval(policy.maxInterval().toMillis());
    backOff.setMaxElapsedTime(policy.maxElapsed().toMillis());
    DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
    // DeserializationException is already not retryable in DefaultErrorHandler.
    handler.addNotRetryableExceptions(ContentRefusedException.class, SerializationException.class);
    return handler;
  }
}
