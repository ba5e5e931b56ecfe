package org.referralexchange.notifier.channel.smtp;

import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
import org.referralexchange.notifier.channel.EmailSender;
import org.referralexchange.notifier.channel.RecipientRejectedException;
import org.referralexchange.notifier.config.NotifierProperties;
import org.springframework.mail.MailException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.stereotype.Component;

/**
 * Sends multipart (plain text and HTML) mail through Spring Boot's {@link JavaMailSender}. An
 * address that is not an address, or one the server refuses on RCPT, is a permanent failure;
 * anything else (connection refused, timeouts, 4xx) is an outage.
 */
@Component
class SmtpEmailSender implements EmailSender {

  private final JavaMailSender mail;
  private final String from;

  SmtpEmailSender(JavaMailSender mail, NotifierProperties properties) {
    this.mail = mail;
    this.from = properties.mailFrom();
  }

  @Override
  public String send(Email email) {
    MimeMessage message = mail.createMimeMessage();
    try {
      MimeMessageHelper helper =
          new MimeMessageHelper(message, true, StandardCharsets.UTF_8.name());
      helper.setFrom(from);
      helper.setTo(new InternetAddress(email.to(), true));
      helper.setSubject(email.subject());
      helper.setText(email.text(), email.html());
    } catch (AddressException e) {
      throw new RecipientRejectedException("invalid email address", null);
    } catch (MessagingException e) {
      throw new IllegalStateException("Could not build the email", e);
    }
    try {
      mail.send(message);
      return message.getMessageID();
    } catch (MailSendException e) {
      RecipientRejectedException refused = refusal(e);
      if (refused != null) {
        throw refused;
      }
      throw new ChannelUnavailableException("mail server unavailable", e);
    } catch (MailException e) {
      throw new ChannelUnavailableException("mail server unavailable", e);
    } catch (MessagingException e) {
      throw new ChannelUnavailableException("mail server unavailable", e);
    }
  }

  /**
   * A refusal of the recipient in the failure: a 5xx reply to RCPT, or a send that failed for
   * invalid addresses only. A 4xx reply to RCPT is temporary, so not a refusal.
   */
  private static RecipientRejectedException refusal(MailSendException e) {
    for (Exception failure : e.getFailedMessages().values()) {
      boolean invalid = false;
      for (Throwable t = failure; t != null; t = t.getCause()) {
        int code = replyCode(t);
        if (t instanceof SendFailedException && code > 0) {
          // Angus Mail's SMTPAddressFailedException: the server's answer to RCPT TO.
          return code >= 500
              ? new RecipientRejectedException(
                  "mail server refused the recipient (" + code + ")", null)
              : null;
        }
        if (t instanceof SendFailedException sent
            && sent.getInvalidAddresses() != null
            && sent.getInvalidAddresses().length > 0) {
          invalid = true;
        }
      }
      if (invalid) {
        return new RecipientRejectedException("mail server refused the recipient", null);
      }
    }
    return null;
  }

  /** The SMTP reply code a failure starts with ("550 5.1.1 ..."), or 0. */
  private static int replyCode(Throwable t) {
    String message = t.getMessage();
    if (message != null
        && message.length() >= 3
        && message.substring(0, 3).chars().allMatch(Character::isDigit)) {
      return Integer.parseInt(message.substring(0, 3));
    }
    return 0;
  }
}
