package org.referralexchange.notifier.channel;

/** Sends one SMS. */
public interface SmsSender {

  /**
   * Sends {@code text} to {@code to} (E.164) and returns the provider's message id.
   *
   * @throws ChannelUnavailableException when the SMS provider cannot be reached (retry later)
   * @throws RecipientRejectedException when the number is invalid or refused for good
   */
  String send(String to, String text);
}
