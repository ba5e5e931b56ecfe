package org.referralexchange.adapter.provider;

/** The provider could not be reached or answered "later" (timeout, 5xx, 429): retry. */
public class ProviderUnavailableException extends RuntimeException {
  public ProviderUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
