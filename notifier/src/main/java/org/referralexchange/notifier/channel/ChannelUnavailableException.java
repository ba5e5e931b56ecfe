package org.referralexchange.notifier.channel;

/** The channel is down for now (connection refused, 5xx): wait and try again, never give up. */
public class ChannelUnavailableException extends RuntimeException {

  public ChannelUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
