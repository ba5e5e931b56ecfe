package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mail catcher as the fault suite uses it: stopped for a while, then back on its port. */
class MailCatcherComponentTests {

  @TempDir Path folder;

  @Test
  void aRestartListensOnTheSamePortAndKeepsWhatWasCaught() throws Exception {
    MailCatcherComponent mail =
        new MailCatcherComponent(new MailCatcherComponent.Settings(0, folder));
    mail.start();
    try {
      String smtp = mail.smtp();
      int port = Integer.parseInt(smtp.substring(smtp.lastIndexOf(':') + 1));
      send(port, "before");

      mail.stop();
      assertThat(accepts(port)).as("SMTP port while stopped").isFalse();
      mail.start();

      assertThat(mail.smtp()).isEqualTo(smtp);
      send(port, "after");
      assertThat(mail.messages())
          .extracting(MailCatcherComponentTests::subject)
          .containsExactly("before", "after");
    } finally {
      mail.stop();
    }
    try (Stream<Path> files = Files.list(folder)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .hasSize(2)
          .anyMatch(name -> name.endsWith("-0001.eml"))
          .anyMatch(name -> name.endsWith("-0002.eml"));
    }
  }

  private static void send(int port, String subject) {
    GreenMailUtil.sendTextEmail(
        "casey@county.example",
        "referrals@exchange.example",
        subject,
        "body",
        new ServerSetup(port, KafkaBrokerComponent.HOST, "smtp"));
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(KafkaBrokerComponent.HOST, port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String subject(MimeMessage message) {
    try {
      return message.getSubject();
    } catch (MessagingException e) {
      throw new IllegalStateException(e);
    }
  }
}
