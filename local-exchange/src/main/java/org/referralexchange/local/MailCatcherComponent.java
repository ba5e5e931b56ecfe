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
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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

  /**
   * The messages already written. GreenMail lists its messages mailbox by mailbox, not in arrival
   * order, so a new message to one recipient can come before older ones to another: counting
   * written messages by position wrote some twice and lost others. GreenMail hands out the same
   * instance for a stored message each time, so identity tells which are new.
   */
  private final Set<MimeMessage> writtenMessages =
      Collections.newSetFromMap(new IdentityHashMap<>());

  /** The port of the first start, so a restarted catcher listens where the notifier sends. */
  private int boundPort;

  /** Messages caught before the last stop; a restart keeps them. */
  private final java.util.List<MimeMessage> caughtBefore = new java.util.ArrayList<>();

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
    int port = boundPort != 0 ? boundPort : settings.port();
    ServerSetup smtp = new ServerSetup(port, KafkaBrokerComponent.HOST, "smtp");
    greenMail = new GreenMail(port == 0 ? smtp.dynamicPort() : smtp);
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
    boundPort = greenMail.getSmtp().getPort();
    written = 0;
    writtenMessages.clear();
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
      MimeMessage[] received = greenMail.getReceivedMessages();
      greenMail.stop();
      try {
        // Also what arrived while stopping, where GreenMail still has it.
        MimeMessage[] afterStop = greenMail.getReceivedMessages();
        if (afterStop.length > received.length) {
          received = afterStop;
        }
      } catch (RuntimeException e) {
        // The store went with the server; what was read before stopping stands.
      }
      caughtBefore.addAll(List.of(received));
      greenMail = null;
    }
  }

  /** {@code host:port} of the SMTP server. */
  synchronized String smtp() {
    return KafkaBrokerComponent.HOST + ":" + smtpPort();
  }

  /** The port of the SMTP server. */
  synchronized int smtpPort() {
    if (greenMail == null) {
      throw new IllegalStateException("Mail catcher is not running");
    }
    return greenMail.getSmtp().getPort();
  }

  Path folder() {
    return settings.folder();
  }

  /**
   * Every message caught since the first start, restarts included; within a run grouped by
   * recipient (GreenMail's order), each recipient's in arrival order.
   */
  synchronized List<MimeMessage> messages() {
    if (greenMail == null) {
      throw new IllegalStateException("Mail catcher is not running");
    }
    List<MimeMessage> all = new java.util.ArrayList<>(caughtBefore);
    all.addAll(List.of(greenMail.getReceivedMessages()));
    return List.copyOf(all);
  }

  private synchronized void writeNewMessages() {
    if (greenMail == null) {
      return;
    }
    for (MimeMessage message : greenMail.getReceivedMessages()) {
      if (!writtenMessages.add(message)) {
        continue;
      }
      written++;
      Path file =
          settings
              .folder()
              .resolve(
                  String.format(
                      Locale.ROOT,
                      "%s-%04d.eml",
                      LocalDateTime.now().format(FILE_TIME),
                      caughtBefore.size() + written));
      try (OutputStream out = Files.newOutputStream(file)) {
        message.writeTo(out);
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
