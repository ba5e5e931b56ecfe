package org.referralexchange.adapter.provider;

/** The provider refused the request for good (4xx other than 429): do not retry. */
public class ProviderRejectedException extends RuntimeException {
  public ProviderRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
