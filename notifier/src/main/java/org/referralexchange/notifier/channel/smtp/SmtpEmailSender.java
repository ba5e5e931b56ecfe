package org.referralexchange.notifier.channel.smtp;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.util.Date;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
import org.referralexchange.notifier.channel.EmailSender;
import org.referralexchange.notifier.channel.RecipientRejectedException;
import org.referralexchange.notifier.config.NotifierProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;

/**
 * Sends multipart/alternative (plain text and HTML) mail with Spring Boot's mail session over one
 * SMTP connection kept open between messages: {@code JavaMailSenderImpl.send} would connect, greet
 * and quit for every message. The connection is not checked before a send (Angus Mail's {@code
 * isConnected()} is a NOOP round trip on every call); when the server dropped it, the send on it
 * fails, and the message is sent once more on a new connection before that counts as an outage.
 *
 * <p>An address that is not an address, or one the server refuses with a 5xx reply to RCPT, is a
 * permanent failure; anything else (connection refused, timeouts, 4xx) is an outage.
 */
@Component
class SmtpEmailSender implements EmailSender, DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(SmtpEmailSender.class);
  private static final String UTF_8 = "UTF-8";

  private final JavaMailSenderImpl mail;
  private final InternetAddress from;
  private Transport transport;

  SmtpEmailSender(JavaMailSenderImpl mail, NotifierProperties properties) {
    this.mail = mail;
    try {
      this.from = new InternetAddress(properties.mailFrom(), true);
    } catch (AddressException e) {
      throw new IllegalArgumentException("notifier.mail-from is not an email address", e);
    }
  }

  @Override
  public synchronized String send(Email email) {
    MimeMessage message = message(email);
    for (int attempt = 1; ; attempt++) {
      boolean reused = transport != null;
      try {
        connected().sendMessage(message, message.getAllRecipients());
        return message.getMessageID();
      } catch (MessagingException | IllegalStateException e) {
        RecipientRejectedException refused = refusal(e);
        if (refused != null) {
          // The server answered RCPT and stays in the session (RSET); the connection is reusable.
          throw refused;
        }
        close();
        if (!reused || attempt > 1) {
          throw new ChannelUnavailableException("mail server unavailable", e);
        }
        // The kept-open connection failed: most likely the server closed it (idle timeout,
        // restart). Once more on a new connection; a server that is down fails that too.
        log.info(
            "The kept-open SMTP connection failed ({}); sending on a new one",
            e.getClass().getSimpleName());
      }
    }
  }

  /** One message: multipart/alternative of the plain text and the HTML, both UTF-8. */
  private MimeMessage message(Email email) {
    MimeMessage message = mail.createMimeMessage();
    try {
      message.setFrom(from);
      message.setRecipient(Message.RecipientType.TO, new InternetAddress(email.to(), true));
      message.setSubject(email.subject(), UTF_8);
      MimeBodyPart text = new MimeBodyPart();
      text.setText(email.text(), UTF_8, "plain");
      MimeBodyPart html = new MimeBodyPart();
      html.setText(email.html(), UTF_8, "html");
      message.setContent(new MimeMultipart("alternative", text, html));
      message.setSentDate(new Date());
      message.saveChanges();
      return message;
    } catch (AddressException e) {
      throw new RecipientRejectedException("invalid email address", null);
    } catch (MessagingException e) {
      throw new IllegalStateException("Could not build the email", e);
    }
  }

  private Transport connected() throws MessagingException {
    if (transport != null) {
      return transport;
    }
    Transport opened = mail.getSession().getTransport(mail.getProtocol());
    opened.connect(
        mail.getHost(),
        mail.getPort(),
        blankToNull(mail.getUsername()),
        blankToNull(mail.getPassword()));
    transport = opened;
    return opened;
  }

  private void close() {
    if (transport != null) {
      try {
        transport.close();
      } catch (MessagingException e) {
        log.debug("Closing the SMTP connection failed: {}", e.getClass().getSimpleName());
      }
      transport = null;
    }
  }

  @Override
  public synchronized void destroy() {
    close();
  }

  /**
   * A refusal of the recipient in the failure: a 5xx reply to RCPT, or a send that failed for
   * invalid addresses only. A 4xx reply to RCPT is temporary, so not a refusal.
   */
  static RecipientRejectedException refusal(Throwable failure) {
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
    return invalid
        ? new RecipientRejectedException("mail server refused the recipient", null)
        : null;
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

  private static String blankToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
