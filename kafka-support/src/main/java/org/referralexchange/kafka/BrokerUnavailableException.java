package org.referralexchange.kafka;

/** The broker did not acknowledge a publish in time; nothing may be reported as accepted. */
public class BrokerUnavailableException extends RuntimeException {

  public BrokerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
