package org.referralexchange.kafka;

import org.referralexchange.serde.AvroSerdeException;

/**
 * An event could not be written because its schema could not be had: the registry was unreachable
 * and the schema was not cached yet ({@link #isTransient()}: try again later), or the registry
 * refused (e.g. the topic's schema is not registered: an operator's error). Thrown before anything
 * was handed to the broker, so nothing was published. A {@link BrokerUnavailableException}, so
 * every caller that waits and retries on an unavailable broker does the same here.
 */
public class SchemaUnavailableException extends BrokerUnavailableException {

  private final boolean transientFailure;

  public SchemaUnavailableException(String message, AvroSerdeException cause) {
    super(message, cause);
    this.transientFailure = cause.isTransient();
  }

  /** True when the registry was unreachable, so the same publish may work later. */
  public boolean isTransient() {
    return transientFailure;
  }
}
