package org.referralexchange.kafka;

/**
 * The broker did not acknowledge a publish in time, or the event could not even be sent ({@link
 * SchemaUnavailableException}); nothing may be reported as accepted.
 */
public class BrokerUnavailableException extends RuntimeException {

  public BrokerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
