package org.referralexchange.registry.store;

/** The {@code _schemas} topic could not be written or read back; nothing was answered yet. */
public class StoreException extends RuntimeException {

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
