package org.referralexchange.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local SMS catcher: answers Twilio's "create message" call ({@code POST
 * /2010-04-01/Accounts/{sid}/Messages.json}, form-encoded {@code To}, {@code From}, {@code Body})
 * as Twilio would, and writes each message to a folder as a text file. The notifier talks to it
 * through its {@code notifier.twilio.api-base-url}; nothing is sent to a phone.
 */
final class SmsCatcherComponent implements LocalComponent {

  private static final Pattern MESSAGES_PATH =
      Pattern.compile("^/2010-04-01/Accounts/([A-Za-z0-9]+)/Messages\\.json$");
  private static final DateTimeFormatter FILE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

  /**
   * @param port HTTP port, 0 for any free one
   * @param folder where the text files go; created if missing
   */
  record Settings(int port, Path folder) {}

  /** One caught message. */
  record Sms(String to, String from, String body) {}

  private final Settings settings;
  private final List<Sms> messages = new ArrayList<>();
  private volatile Duration holdAnswers = Duration.ZERO;
  private HttpServer server;

  SmsCatcherComponent(Settings settings) {
    this.settings = settings;
  }

  @Override
  public String name() {
    return "sms-catcher";
  }

  @Override
  public synchronized void start() throws IOException {
    if (server != null) {
      throw new IllegalStateException("SMS catcher already started");
    }
    Files.createDirectories(settings.folder());
    try {
      server =
          HttpServer.create(new InetSocketAddress(KafkaBrokerComponent.HOST, settings.port()), 0);
    } catch (IOException e) {
      throw new LocalStartupException(
          "SMS catcher cannot listen on "
              + KafkaBrokerComponent.HOST
              + ":"
              + settings.port()
              + ". Choose another port with --"
              + LocalSettings.SMS_PORT
              + "=<port>.",
          e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newSingleThreadExecutor());
    server.start();
  }

  @Override
  public synchronized void stop() {
    if (server != null) {
      server.stop(0);
      ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
      server = null;
    }
  }

  /** Base URL to give the notifier as Twilio's API base URL. */
  synchronized String url() {
    if (server == null) {
      throw new IllegalStateException("SMS catcher is not running");
    }
    return "http://" + KafkaBrokerComponent.HOST + ":" + server.getAddress().getPort();
  }

  Path folder() {
    return settings.folder();
  }

  /**
   * From now on catches each message and only then waits {@code hold} before answering, as a slow
   * API would: a sender that dies meanwhile sent it without knowing. Zero answers at once again.
   */
  void holdAnswers(Duration hold) {
    holdAnswers = hold;
  }

  /** Every message caught since start, in arrival order. */
  synchronized List<Sms> messages() {
    return List.copyOf(messages);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Matcher path = MESSAGES_PATH.matcher(exchange.getRequestURI().getPath());
      if (!"POST".equals(exchange.getRequestMethod()) || !path.matches()) {
        answer(exchange, 404, "{\"code\":20404,\"message\":\"Not found\",\"status\":404}");
        return;
      }
      Map<String, String> form;
      try (InputStream in = exchange.getRequestBody()) {
        form = parseForm(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      String to = form.get("To");
      String body = form.get("Body");
      if (to == null || to.isBlank() || body == null) {
        answer(
            exchange,
            400,
            "{\"code\":21604,\"message\":\"A 'To' phone number and a 'Body' are required.\","
                + "\"status\":400}");
        return;
      }
      Sms sms = new Sms(to, form.getOrDefault("From", ""), body);
      int number = record(sms);
      // Parks the request thread (ends early only on a stop's interrupt).
      java.util.concurrent.locks.LockSupport.parkNanos(holdAnswers.toNanos());
      String sid = String.format(Locale.ROOT, "SM%032d", number);
      answer(
          exchange,
          201,
          "{\"sid\":\""
              + sid
              + "\",\"status\":\"queued\",\"account_sid\":\""
              + path.group(1)
              + "\"}");
    }
  }

  private synchronized int record(Sms sms) {
    messages.add(sms);
    int number = messages.size();
    Path file =
        settings
            .folder()
            .resolve(
                String.format(
                    Locale.ROOT, "%s-%04d.txt", LocalDateTime.now().format(FILE_TIME), number));
    try {
      Files.writeString(
          file, "To: " + sms.to() + "\nFrom: " + sms.from() + "\n\n" + sms.body() + "\n");
    } catch (IOException e) {
      System.err.println("[local-exchange] Could not write caught SMS to " + file + ": " + e);
    }
    return number;
  }

  private static Map<String, String> parseForm(String body) {
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        form.put(
            URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public Map<String, String> describe() {
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("SMS catcher (Twilio API)", url());
    lines.put("Caught SMS (.txt files)", settings.folder().toString());
    return lines;
  }
}
