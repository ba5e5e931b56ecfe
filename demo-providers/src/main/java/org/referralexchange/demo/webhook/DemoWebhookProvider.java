package org.referralexchange.demo.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.referralexchange.demo.DemoAnswers;
import org.referralexchange.demo.DemoAnswers.Answer;
import org.referralexchange.webhooks.StandardWebhooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A demo provider that receives referrals as Standard Webhooks and answers them by itself, as its
 * staff would. {@code POST /referrals} takes the exchange's signed webhooks:
 *
 * <ul>
 *   <li>a bad or missing signature, or a timestamp more than five minutes off, gets 401;
 *   <li>{@code referral.requested} gets 200 with {@code {"reference":
 *       "<providerId>-<referralId>"}}; the answers {@link DemoAnswers} decides from {@code
 *       referral.narrative} are then posted to {@code
 *       <callbackBaseUrl>/providers/<providerId>/status}, each after its delay. A repeated delivery
 *       of the same referral gets the same 200 and schedules nothing more;
 *   <li>{@code referral.withdrawn} gets 200 and drops the answers not yet sent;
 *   <li>{@code referral.reminder} and other types get 200 and change nothing.
 * </ul>
 *
 * <p>Each status callback is signed with the same secret; its {@code webhook-id} is {@code
 * status-<referralId>-<status>}, the same on every attempt. A callback the exchange does not take
 * (unreachable, 5xx, 408, 429) is tried again up to {@link #CALLBACK_ATTEMPTS} times with a
 * doubling backoff capped at {@link #MAX_BACKOFF} (about a minute in all, long enough to outlast an
 * adapter restart, as a real provider's hours-long Standard Webhooks retry schedule would); the
 * next answer waits until the previous one was taken.
 */
public final class DemoWebhookProvider implements AutoCloseable {

  /**
   * Attempts per status callback: with the backoff below about 56 s of trying. Five (about 4 s) was
   * shorter than an adapter's restart after a crash, so the provider's answer was dropped.
   */
  public static final int CALLBACK_ATTEMPTS = 12;

  /** Wait before the second attempt; doubled for each one after, up to {@link #MAX_BACKOFF}. */
  public static final Duration FIRST_BACKOFF = Duration.ofMillis(250);

  /** The longest wait between two attempts. */
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(8);

  static final String PATH = "/referrals";
  private static final int MAX_BODY_BYTES = 1 << 20;

  private static final Logger log = LoggerFactory.getLogger(DemoWebhookProvider.class);

  private final HttpServer server;
  private final ExecutorService requestThreads;
  private final ScheduledExecutorService scheduler;
  private final HttpClient http;
  private final String providerId;
  private final String secret;
  private final Supplier<String> callbackBaseUrl;
  private final DemoAnswers answers;
  private final Clock clock = Clock.systemUTC();
  private final JsonMapper json = JsonMapper.builder().build();

  /** Referral id → its state; the key set is every referral received once. */
  private final Map<String, Referral> referrals = new ConcurrentHashMap<>();

  private final List<String> received = new CopyOnWriteArrayList<>();

  /** Every {@code referral.requested} taken with a 200, repeated deliveries included. */
  private final List<String> deliveries = new CopyOnWriteArrayList<>();

  /** Referral id → the {@code webhook-id}s its {@code referral.requested} deliveries carried. */
  private final Map<String, Set<String>> webhookIds = new ConcurrentHashMap<>();

  /** How long a taken referral waits before its 200 is sent; zero for at once. */
  private volatile Duration holdAnswers = Duration.ZERO;

  /** While not 0: the status every webhook is answered with, before anything is recorded. */
  private volatile int failingWith;

  private final java.util.concurrent.atomic.AtomicInteger refused =
      new java.util.concurrent.atomic.AtomicInteger();

  private DemoWebhookProvider(
      int port,
      String providerId,
      String secret,
      Supplier<String> callbackBaseUrl,
      DemoAnswers answers)
      throws IOException {
    this.providerId = Objects.requireNonNull(providerId, "providerId");
    this.secret = Objects.requireNonNull(secret, "secret");
    this.callbackBaseUrl = Objects.requireNonNull(callbackBaseUrl, "callbackBaseUrl");
    this.answers = Objects.requireNonNull(answers, "answers");
    // Fails now, not at the first request, when the secret is unusable.
    StandardWebhooks.requireUsableSecret(secret);
    this.scheduler =
        Executors.newScheduledThreadPool(1, daemon("demo-webhook-provider-" + providerId));
    this.requestThreads =
        Executors.newFixedThreadPool(2, daemon("demo-webhook-provider-http-" + providerId));
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.createContext(PATH, this::handle);
    server.setExecutor(requestThreads);
    server.start();
  }

  /**
   * Starts the provider's HTTP server on loopback.
   *
   * @param port the port; 0 for any free port
   * @param providerId the provider's id at the exchange, as in the callback path
   * @param secret the shared signing secret ({@code whsec_<base64>}, or a plain string)
   * @param callbackBaseUrl the exchange adapter's base URL, asked for at each callback (the adapter
   *     may start after the provider)
   * @param answers what to answer, and after how long
   */
  public static DemoWebhookProvider start(
      int port,
      String providerId,
      String secret,
      Supplier<String> callbackBaseUrl,
      DemoAnswers answers)
      throws IOException {
    return new DemoWebhookProvider(port, providerId, secret, callbackBaseUrl, answers);
  }

  /** The URL to configure as the provider's endpoint in the exchange. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
  }

  /** The ids of the referrals received with a valid signature, once each, in order of arrival. */
  public List<String> receivedReferralIds() {
    return List.copyOf(received);
  }

  /**
   * The ids of the referrals the exchange withdrew ({@code referral.withdrawn} taken), once each.
   */
  public List<String> withdrawnReferralIds() {
    return referrals.entrySet().stream()
        .filter(e -> e.getValue().withdrawn)
        .map(java.util.Map.Entry::getKey)
        .sorted()
        .toList();
  }

  /**
   * The ids of every {@code referral.requested} webhook taken with a 200, in order of arrival,
   * repeated deliveries of the same referral included (they appear once in {@link
   * #receivedReferralIds()}).
   */
  public List<String> deliveries() {
    return List.copyOf(deliveries);
  }

  /**
   * The {@code webhook-id}s each referral's deliveries carried: one per referral when every repeat
   * was the same message again (the id a receiver deduplicates on, per Standard Webhooks).
   */
  public Map<String, Set<String>> webhookIds() {
    Map<String, Set<String>> copy = new java.util.HashMap<>();
    webhookIds.forEach((id, ids) -> copy.put(id, Set.copyOf(ids)));
    return copy;
  }

  /**
   * From now on answers every webhook with {@code status} (e.g. 500 or 503) and records nothing, as
   * a provider that is down behind its load balancer would; until {@link #recover()}.
   */
  public void failWith(int status) {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("Not an error status: " + status);
    }
    failingWith = status;
    log.info("Demo webhook provider {} now answers every webhook with {}", providerId, status);
  }

  /**
   * From now on takes each referral (it counts as received) and only then waits {@code hold} before
   * answering 200, as a slow provider would: a sender that dies meanwhile never learns that it was
   * taken. {@link Duration#ZERO} answers at once again.
   */
  public void holdAnswers(Duration hold) {
    holdAnswers = Objects.requireNonNull(hold, "hold");
  }

  /** Takes webhooks again after {@link #failWith(int)}. */
  public void recover() {
    failingWith = 0;
    log.info("Demo webhook provider {} takes webhooks again", providerId);
  }

  /** How many webhooks were answered with the {@link #failWith(int)} status. */
  public int refusedWebhooks() {
    return refused.get();
  }

  /** Stops taking webhooks and drops the answers not yet sent. */
  @Override
  public void close() {
    server.stop(0);
    scheduler.shutdownNow();
    requestThreads.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().add("Allow", "POST");
        respond(exchange, 405, null);
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(MAX_BODY_BYTES + 1);
      }
      int failing = failingWith;
      if (failing != 0) {
        refused.incrementAndGet();
        respond(exchange, failing, null);
        return;
      }
      if (body.length > MAX_BODY_BYTES) {
        respond(exchange, 413, null);
        return;
      }
      var headers = exchange.getRequestHeaders();
      String signatures =
          headers.containsKey(StandardWebhooks.SIGNATURE_HEADER)
              ? String.join(" ", headers.get(StandardWebhooks.SIGNATURE_HEADER))
              : null;
      if (StandardWebhooks.verify(
              headers.getFirst(StandardWebhooks.ID_HEADER),
              headers.getFirst(StandardWebhooks.TIMESTAMP_HEADER),
              signatures,
              body,
              secret,
              clock.instant())
          instanceof StandardWebhooks.Rejected rejected) {
        log.warn(
            "Demo webhook provider {} refused a webhook: {}", providerId, rejected.reason().code());
        respond(exchange, 401, null);
        return;
      }
      JsonNode webhook;
      try {
        webhook = json.readTree(body);
      } catch (JacksonException e) {
        respond(exchange, 400, null);
        return;
      }
      String type = webhook.path("type").asString("");
      switch (type) {
        case "referral.requested" -> requested(exchange, webhook.path("referral"));
        case "referral.withdrawn" -> {
          withdrawn(webhook.path("referralId").asString(""));
          respond(exchange, 200, null);
        }
        default -> respond(exchange, 200, null); // reminders and anything newer: noted, no change
      }
    } catch (RuntimeException e) {
      log.warn("Demo webhook provider {} failed on a webhook", providerId, e);
      respond(exchange, 500, null);
    }
  }

  private void requested(HttpExchange exchange, JsonNode referral) throws IOException {
    String referralId = referral.path("referralId").asString("");
    if (referralId.isBlank()) {
      respond(exchange, 400, null);
      return;
    }
    Referral fresh = new Referral("%s-%s".formatted(providerId, referralId));
    Referral known = referrals.putIfAbsent(referralId, fresh);
    deliveries.add(referralId);
    webhookIds
        .computeIfAbsent(referralId, id -> ConcurrentHashMap.newKeySet())
        .add(String.valueOf(exchange.getRequestHeaders().getFirst(StandardWebhooks.ID_HEADER)));
    if (known == null) {
      received.add(referralId);
      List<Answer> planned = answers.answersFor(narrative(referral.path("narrative")));
      log.info(
          "Demo webhook provider {} received referral {}; will answer {}",
          providerId,
          referralId,
          planned.stream().map(a -> a.status().code()).toList());
      scheduleNext(referralId, fresh, new ArrayList<>(planned));
    } else {
      log.info("Demo webhook provider {} got referral {} again", providerId, referralId);
    }
    Referral current = known == null ? fresh : known;
    Duration hold = holdAnswers;
    if (!hold.isZero()) {
      try {
        Thread.sleep(hold.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    respond(exchange, 200, Map.of("reference", current.reference));
  }

  private void withdrawn(String referralId) {
    Referral referral = referrals.get(referralId);
    if (referral != null) {
      referral.withdrawn = true;
      log.info("Demo webhook provider {}: referral {} withdrawn", providerId, referralId);
    }
  }

  /** The narrative's needs description, goals and notes, one per line. */
  private static String narrative(JsonNode narrative) {
    List<String> parts = new ArrayList<>();
    parts.add(narrative.path("needsDescription").asString(""));
    narrative.path("goals").forEach(goal -> parts.add(goal.asString("")));
    parts.add(narrative.path("notes").asString(""));
    return String.join("\n", parts);
  }

  private void scheduleNext(String referralId, Referral referral, List<Answer> remaining) {
    if (remaining.isEmpty() || scheduler.isShutdown()) {
      return;
    }
    Answer next = remaining.remove(0);
    scheduler.schedule(
        () -> send(referralId, referral, next, remaining, clock.instant(), 1),
        next.after().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void send(
      String referralId,
      Referral referral,
      Answer answer,
      List<Answer> remaining,
      Instant occurredAt,
      int attempt) {
    if (referral.withdrawn) {
      log.info("Demo webhook provider {} does not answer withdrawn {}", providerId, referralId);
      return;
    }
    String base = callbackBaseUrl.get();
    String webhookId = "status-" + referralId + "-" + answer.status().code();
    String outcome;
    boolean again;
    if (base == null || base.isBlank()) {
      outcome = "no callback URL yet";
      again = true;
    } else {
      byte[] body = json.writeValueAsBytes(callback(referralId, referral, answer, occurredAt));
      long timestamp = clock.instant().getEpochSecond();
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create(stripSlash(base) + "/providers/" + providerId + "/status"))
              .timeout(Duration.ofSeconds(5))
              .header("Content-Type", "application/json")
              .header(StandardWebhooks.ID_HEADER, webhookId)
              .header(StandardWebhooks.TIMESTAMP_HEADER, Long.toString(timestamp))
              .header(
                  StandardWebhooks.SIGNATURE_HEADER,
                  StandardWebhooks.sign(webhookId, timestamp, body, secret))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      try {
        int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status >= 200 && status < 300) {
          log.info(
              "Demo webhook provider {} reported {} for referral {}",
              providerId,
              answer.status().code(),
              referralId);
          scheduleNext(referralId, referral, remaining);
          return;
        }
        outcome = "HTTP " + status;
        again = status >= 500 || status == 408 || status == 429;
      } catch (IOException e) {
        outcome = e.getClass().getSimpleName();
        again = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // closing
      }
    }
    if (!again || attempt >= CALLBACK_ATTEMPTS || scheduler.isShutdown()) {
      log.warn(
          "Demo webhook provider {} gives up reporting {} for referral {} ({})",
          providerId,
          answer.status().code(),
          referralId,
          outcome);
      return;
    }
    long backoff =
        Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 20));
    log.info(
        "Demo webhook provider {} could not report {} for referral {} ({}); again in {} ms",
        providerId,
        answer.status().code(),
        referralId,
        outcome,
        backoff);
    scheduler.schedule(
        () -> send(referralId, referral, answer, remaining, occurredAt, attempt + 1),
        backoff,
        TimeUnit.MILLISECONDS);
  }

  /** The body the exchange's status callback takes. */
  private static Map<String, Object> callback(
      String referralId, Referral referral, Answer answer, Instant occurredAt) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("referralId", referralId);
    body.put("status", answer.status().code());
    if (answer.reason() != null) {
      body.put("reason", Map.of("code", answer.reason().code(), "text", answer.reason().text()));
    }
    body.put("providerReference", referral.reference);
    if (answer.outcome() != null) {
      Map<String, Object> outcome = new LinkedHashMap<>();
      outcome.put("delivered", answer.outcome().delivered());
      if (answer.outcome().costAmount() != null) {
        outcome.put(
            "cost",
            Map.of(
                "amount", answer.outcome().costAmount(),
                "currency", answer.outcome().costCurrency()));
      }
      body.put("outcome", outcome);
    }
    body.put("occurredAt", occurredAt.toString());
    return body;
  }

  private void respond(HttpExchange exchange, int status, Object body) throws IOException {
    if (body == null) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    byte[] bytes = json.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static String stripSlash(String base) {
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** One received referral. */
  private static final class Referral {
    private final String reference;
    private volatile boolean withdrawn;

    Referral(String reference) {
      this.reference = reference;
    }
  }
}
