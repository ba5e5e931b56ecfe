package org.referralexchange.notifier.channel.smtp;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.ConnectException;
import java.util.Map;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.junit.jupiter.api.Test;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
import org.referralexchange.notifier.channel.EmailSender.Email;
import org.referralexchange.notifier.channel.RecipientRejectedException;
import org.referralexchange.notifier.config.NotifierProperties;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/** How SMTP failures are told apart: refused recipient (permanent) versus outage (retry). */
class SmtpEmailSenderTests {

  static final Email EMAIL = new Email("cm@county.example", "subject", "text", "<p>html</p>");

  @Test
  void aFiveHundredReplyToRcptIsAPermanentRefusalWithoutTheAddress() throws Exception {
    SmtpEmailSender sender = failingWith(rcptRefused(550, "550 5.1.1 <cm@county.example>: no"));

    assertThatThrownBy(() -> sender.send(EMAIL))
        .isInstanceOf(RecipientRejectedException.class)
        .hasMessage("mail server refused the recipient (550)");
  }

  @Test
  void aFourHundredReplyToRcptIsTemporary() throws Exception {
    SmtpEmailSender sender = failingWith(rcptRefused(450, "450 4.2.1 mailbox busy"));

    assertThatThrownBy(() -> sender.send(EMAIL)).isInstanceOf(ChannelUnavailableException.class);
  }

  @Test
  void aRefusedConnectionIsAnOutage() {
    SmtpEmailSender sender =
        failingWith(
            new MessagingException("Couldn't connect", new ConnectException("Connection refused")));

    assertThatThrownBy(() -> sender.send(EMAIL)).isInstanceOf(ChannelUnavailableException.class);
  }

  @Test
  void somethingThatIsNotAnAddressIsRefusedBeforeAnyConnection() {
    SmtpEmailSender sender = failingWith(new MessagingException("must not be reached"));

    assertThatThrownBy(() -> sender.send(new Email("no-domain", "s", "t", "h")))
        .isInstanceOf(RecipientRejectedException.class)
        .hasMessage("invalid email address");
  }

  static Exception rcptRefused(int code, String reply) throws Exception {
    InternetAddress address = new InternetAddress("cm@county.example");
    return new SendFailedException(
        "Invalid Addresses",
        new SMTPAddressFailedException(address, "RCPT TO:<cm@county.example>", code, reply),
        new Address[0],
        new Address[0],
        new Address[] {address});
  }

  static SmtpEmailSender failingWith(Exception failure) {
    JavaMailSenderImpl mail =
        new JavaMailSenderImpl() {
          @Override
          public void send(MimeMessage... messages) {
            throw new MailSendException(Map.of(messages[0], failure));
          }
        };
    return new SmtpEmailSender(mail, properties());
  }

  static NotifierProperties properties() {
    return new NotifierProperties(null, null, null, null, null, null, null, null);
  }
}
