package org.referralexchange.notifier.channel;

/**
 * The recipient can never be reached this way (invalid address or number). The message names the
 * reason only, never the address.
 */
public class RecipientRejectedException extends RuntimeException {

  public RecipientRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
