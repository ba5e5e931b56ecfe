package org.referralexchange.local;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The local mail catcher: an SMTP server (GreenMail) that accepts every message the notifier sends
 * and writes each one, as it arrives, to a folder as an {@code .eml} file that any mail program
 * opens. Nothing is delivered anywhere.
 */
final class MailCatcherComponent implements LocalComponent {

  private static final DateTimeFormatter FILE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

  /**
   * @param port SMTP port, 0 for any free one
   * @param folder where the {@code .eml} files go; created if missing
   */
  record Settings(int port, Path folder) {}

  private final Settings settings;
  private GreenMail greenMail;
  private ScheduledExecutorService writer;
  private int written;

  MailCatcherComponent(Settings settings) {
    this.settings = settings;
  }

  @Override
  public String name() {
    return "mail-catcher";
  }

  @Override
  public synchronized void start() throws IOException {
    if (greenMail != null) {
      throw new IllegalStateException("Mail catcher already started");
    }
    Files.createDirectories(settings.folder());
    ServerSetup smtp = new ServerSetup(settings.port(), KafkaBrokerComponent.HOST, "smtp");
    greenMail = new GreenMail(settings.port() == 0 ? smtp.dynamicPort() : smtp);
    try {
      greenMail.start();
    } catch (RuntimeException e) {
      greenMail = null;
      throw new LocalStartupException(
          "Mail catcher cannot listen on "
              + KafkaBrokerComponent.HOST
              + ":"
              + settings.port()
              + " ("
              + e.getMessage()
              + "). Choose another port with --"
              + LocalSettings.SMTP_PORT
              + "=<port>.",
          e);
    }
    written = 0;
    writer =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "mail-catcher-writer");
              thread.setDaemon(true);
              return thread;
            });
    writer.scheduleWithFixedDelay(this::writeNewMessages, 200, 200, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    if (writer != null) {
      writer.shutdownNow();
      writer = null;
    }
    if (greenMail != null) {
      writeNewMessages();
      greenMail.stop();
      greenMail = null;
    }
  }

  /** {@code host:port} of the SMTP server. */
  synchronized String smtp() {
    if (greenMail == null) {
      throw new IllegalStateException("Mail catcher is not running");
    }
    return KafkaBrokerComponent.HOST + ":" + greenMail.getSmtp().getPort();
  }

  Path folder() {
    return settings.folder();
  }

  /** Every message caught since start, in arrival order. */
  synchronized List<MimeMessage> messages() {
    if (greenMail == null) {
      throw new IllegalStateException("Mail catcher is not running");
    }
    return List.of(greenMail.getReceivedMessages());
  }

  private synchronized void writeNewMessages() {
    if (greenMail == null) {
      return;
    }
    MimeMessage[] received = greenMail.getReceivedMessages();
    for (; written < received.length; written++) {
      Path file =
          settings
              .folder()
              .resolve(
                  String.format(
                      Locale.ROOT,
                      "%s-%04d.eml",
                      LocalDateTime.now().format(FILE_TIME),
                      written + 1));
      try (OutputStream out = Files.newOutputStream(file)) {
        received[written].writeTo(out);
      } catch (IOException | MessagingException e) {
        System.err.println("[local-exchange] Could not write caught mail to " + file + ": " + e);
      }
    }
  }

  @Override
  public Map<String, String> describe() {
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Mail catcher SMTP", smtp());
    lines.put("Caught email (.eml files)", settings.folder().toString());
    return lines;
  }
}
