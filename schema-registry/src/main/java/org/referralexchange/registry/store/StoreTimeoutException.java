package org.referralexchange.registry.store;

/**
 * A write was not acknowledged, or not read back by this instance, in time. It may still land;
 * Confluent answers the same case with 500 and error code 50002.
 */
public class StoreTimeoutException extends StoreException {

  public StoreTimeoutException(String message) {
    super(message, null);
  }
}
