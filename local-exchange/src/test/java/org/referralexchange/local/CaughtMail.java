package org.referralexchange.local;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The mail catcher's messages as a person reads them: the one sent to an address about something,
 * its text, and the links in it to open in a browser. For the provider's intake emails and the case
 * manager's notifications alike.
 */
final class CaughtMail {

  private final MailCatcherComponent mail;

  CaughtMail(MailCatcherComponent mail) {
    this.mail = mail;
  }

  /** Waits for the first message to {@code to} whose text contains {@code text} and a link. */
  MimeMessage awaitMessage(String to, String text, Pattern link, Duration timeout) {
    MimeMessage[] found = new MimeMessage[1];
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              for (MimeMessage message : mail.messages()) {
                String body = text(message);
                if (addressedTo(message, to) && body.contains(text) && link.matcher(body).find()) {
                  found[0] = message;
                  return true;
                }
              }
              return false;
            });
    return found[0];
  }

  /** The first match of {@code link} in the message's text. */
  static String link(MimeMessage message, Pattern link) {
    String body = text(message);
    Matcher matcher = link.matcher(body);
    if (!matcher.find()) {
      throw new AssertionError("No link matching " + link + " in:\n" + body);
    }
    return matcher.group();
  }

  /** Every text part, transfer encodings undone. */
  static String text(MimeMessage message) {
    try {
      Object content = message.getContent();
      if (content instanceof Multipart multipart) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < multipart.getCount(); i++) {
          if (multipart.getBodyPart(i).getContent() instanceof String part) {
            text.append(part).append('\n');
          }
        }
        return text.toString();
      }
      return String.valueOf(content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (MessagingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean addressedTo(MimeMessage message, String to) throws MessagingException {
    Message.RecipientType type = Message.RecipientType.TO;
    return message.getRecipients(type) != null
        && Arrays.stream(message.getRecipients(type)).anyMatch(a -> a.toString().contains(to));
  }
}
