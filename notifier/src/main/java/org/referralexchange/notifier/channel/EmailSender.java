package org.referralexchange.notifier.channel;

/** Sends one email. */
public interface EmailSender {

  /**
   * Sends it and returns the server's message id.
   *
   * @throws ChannelUnavailableException when the mail server cannot be reached (retry later)
   * @throws RecipientRejectedException when the address is invalid or refused for good
   */
  String send(Email email);

  /** One email: addressee, subject, plain text and HTML alternatives. */
  record Email(String to, String subject, String text, String html) {}
}
