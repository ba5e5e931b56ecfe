package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
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
      int port = mail.smtpPort();
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

  @Test
  void writesEveryMessageOnceInArrivalOrderWhateverItsRecipient() throws Exception {
    MailCatcherComponent mail =
        new MailCatcherComponent(new MailCatcherComponent.Settings(0, folder));
    mail.start();
    try {
      int port = mail.smtpPort();
      // The local walk's order: the case manager, then the pantry's intake, then the case manager.
      for (String[] message :
          new String[][] {
            {"casey@county.example", "accepted"},
            {"intake@community-pantry.example", "intake"},
            {"casey@county.example", "declined"},
            {"casey@county.example", "completed"}
          }) {
        send(port, message[0], message[1]);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> emlSubjects().size(), count -> count == mail.messages().size());
      }
    } finally {
      mail.stop();
    }
    assertThat(emlSubjects()).containsExactly("accepted", "intake", "declined", "completed");
  }

  /** The subjects of the written .eml files, by their sequence number. */
  private List<String> emlSubjects() throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .sorted(Comparator.comparing(f -> f.getFileName().toString().replaceAll(".*-", "")))
          .map(
              f -> {
                try {
                  return Files.readAllLines(f).stream()
                      .filter(line -> line.startsWith("Subject: "))
                      .findFirst()
                      .orElseThrow()
                      .substring("Subject: ".length());
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .toList();
    }
  }

  private static void send(int port, String subject) {
    send(port, "casey@county.example", subject);
  }

  private static void send(int port, String to, String subject) {
    GreenMailUtil.sendTextEmail(
        to,
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
