package org.referralexchange.notifier.channel.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Address;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.junit.jupiter.api.Test;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
import org.referralexchange.notifier.channel.EmailSender.Email;
import org.referralexchange.notifier.channel.RecipientRejectedException;
import org.referralexchange.notifier.config.NotifierProperties;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/** How SMTP failures are told apart: refused recipient (permanent) versus outage (retry). */
class SmtpEmailSenderTests {

  static final Email EMAIL = new Email("cm@county.example", "subject", "text", "<p>html</p>");

  @Test
  void aFiveHundredReplyToRcptIsAPermanentRefusalWithoutTheAddress() throws Exception {
    assertThat(SmtpEmailSender.refusal(rcptRefused(550, "550 5.1.1 <cm@county.example>: no")))
        .hasMessage("mail server refused the recipient (550)");
  }

  @Test
  void aFourHundredReplyToRcptIsTemporary() throws Exception {
    assertThat(SmtpEmailSender.refusal(rcptRefused(450, "450 4.2.1 mailbox busy"))).isNull();
  }

  @Test
  void aRefusedConnectionIsAnOutage() {
    JavaMailSenderImpl nowhere = new JavaMailSenderImpl();
    nowhere.setHost("127.0.0.1");
    nowhere.setPort(closedPort());
    SmtpEmailSender sender = new SmtpEmailSender(nowhere, properties());

    assertThatThrownBy(() -> sender.send(EMAIL)).isInstanceOf(ChannelUnavailableException.class);
  }

  @Test
  void somethingThatIsNotAnAddressIsRefusedBeforeAnyConnection() {
    SmtpEmailSender sender = new SmtpEmailSender(new JavaMailSenderImpl(), properties());

    assertThatThrownBy(() -> sender.send(new Email("no-domain", "s", "t", "h")))
        .isInstanceOf(RecipientRejectedException.class)
        .hasMessage("invalid email address");
  }

  static int closedPort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
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

  static NotifierProperties properties() {
    return new NotifierProperties(null, null, null, null, null, null, null, 0, null);
  }
}
