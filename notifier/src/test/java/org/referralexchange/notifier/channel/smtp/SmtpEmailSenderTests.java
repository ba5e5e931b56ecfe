package org.referralexchange.notifier.channel.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.junit.jupiter.api.Test;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
import org.referralexchange.notifier.channel.EmailSender.Email;
import org.referralexchange.notifier.channel.RecipientRejectedException;
import org.referralexchange.notifier.config.NotifierProperties;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * How SMTP failures are told apart: refused recipient (permanent) versus outage (retry); against
 * GreenMail, the message's structure and a kept-open connection the server dropped.
 */
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
    SmtpEmailSender sender = new SmtpEmailSender(mailSender(closedPort()), properties());

    assertThatThrownBy(() -> sender.send(EMAIL)).isInstanceOf(ChannelUnavailableException.class);
  }

  @Test
  void somethingThatIsNotAnAddressIsRefusedBeforeAnyConnection() {
    SmtpEmailSender sender = new SmtpEmailSender(new JavaMailSenderImpl(), properties());

    assertThatThrownBy(() -> sender.send(new Email("no-domain", "s", "t", "h")))
        .isInstanceOf(RecipientRejectedException.class)
        .hasMessage("invalid email address");
  }

  @Test
  void aConnectionTheServerDroppedIsReopenedAndTheEmailSentOnce() throws Exception {
    int port = closedPort();
    GreenMail first = smtp(port);
    SmtpEmailSender sender = new SmtpEmailSender(mailSender(port), properties());
    GreenMail second = null;
    try {
      sender.send(EMAIL);
      assertThat(first.getReceivedMessages()).hasSize(1);

      // The server goes away and comes back: the kept-open connection is closed under the sender.
      first.stop();
      second = smtp(port);
      sender.send(EMAIL);

      // Once, on the new connection: the stopped server cannot have taken it.
      assertThat(second.getReceivedMessages()).hasSize(1);
    } finally {
      sender.destroy();
      first.stop();
      if (second != null) {
        second.stop();
      }
    }
  }

  @Test
  void theEmailIsPlainTextAndHtmlAlternatives() throws Exception {
    int port = closedPort();
    GreenMail server = smtp(port);
    SmtpEmailSender sender = new SmtpEmailSender(mailSender(port), properties());
    try {
      sender.send(new Email("cm@county.example", "Referral ä", "text ä", "<p>html ä</p>"));

      MimeMessage received = server.getReceivedMessages()[0];
      assertThat(received.getSubject()).isEqualTo("Referral ä");
      MimeMultipart alternative = (MimeMultipart) received.getContent();
      assertThat(alternative.getContentType()).startsWith("multipart/alternative");
      assertThat(alternative.getCount()).isEqualTo(2);
      assertThat(alternative.getBodyPart(0).isMimeType("text/plain")).isTrue();
      assertThat(alternative.getBodyPart(0).getContent()).isEqualTo("text ä");
      assertThat(alternative.getBodyPart(1).isMimeType("text/html")).isTrue();
      assertThat(alternative.getBodyPart(1).getContent()).isEqualTo("<p>html ä</p>");
    } finally {
      sender.destroy();
      server.stop();
    }
  }

  static GreenMail smtp(int port) {
    GreenMail server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    server.start();
    return server;
  }

  static JavaMailSenderImpl mailSender(int port) {
    JavaMailSenderImpl mail = new JavaMailSenderImpl();
    mail.setHost("127.0.0.1");
    mail.setPort(port);
    mail.setProtocol("smtp"); // as Spring Boot's mail properties set it
    return mail;
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
    return new NotifierProperties(null, null, null, null, null, null, null, 0, 0, null);
  }
}
