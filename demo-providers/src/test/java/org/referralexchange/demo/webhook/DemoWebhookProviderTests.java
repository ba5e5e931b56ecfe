package org.referralexchange.demo.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.demo.DemoAnswers;
import org.referralexchange.webhooks.StandardWebhooks;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The webhook demo provider between two real HTTP parties: the test posts signed referrals to it as
 * the exchange would, and a JDK HTTP server plays the exchange's status callback endpoint, checking
 * every callback's signature before it records it.
 */
class DemoWebhookProviderTests {

  private static final String PROVIDER_ID = "food-bank";
  private static final String SECRET = "whsec_ZGVtby1wcm92aWRlci1zZWNyZXQtMzJieXRlcyEh";
  private static final Duration DELAY = Duration.ofMillis(100);

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Callback> callbacks = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresToAnswer = new AtomicInteger();
  private HttpServer exchange;
  private DemoWebhookProvider provider;

  /** One status callback as the exchange received it. */
  record Callback(String path, String webhookId, boolean signatureValid, JsonNode body) {}

  @BeforeEach
  void startExchange() throws IOException {
    exchange = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    exchange.createContext(
        "/providers/",
        request -> {
          try (request) {
            byte[] body = request.getRequestBody().readAllBytes();
            var headers = request.getRequestHeaders();
            boolean valid =
                StandardWebhooks.verify(
                        headers.getFirst("webhook-id"),
                        headers.getFirst("webhook-timestamp"),
                        headers.getFirst("webhook-signature"),
                        body,
                        SECRET,
                        Instant.now())
                    instanceof StandardWebhooks.Verified;
            callbacks.add(
                new Callback(
                    request.getRequestURI().getPath(),
                    headers.getFirst("webhook-id"),
                    valid,
                    json.readTree(body)));
            int status = !valid ? 401 : failuresToAnswer.getAndDecrement() > 0 ? 503 : 202;
            request.sendResponseHeaders(status, -1);
          }
        });
    exchange.start();
  }

  @AfterEach
  void stop() {
    if (provider != null) {
      provider.close();
    }
    exchange.stop(0);
  }

  private void startProvider(Duration delay) throws IOException {
    provider =
        DemoWebhookProvider.start(
            0,
            PROVIDER_ID,
            SECRET,
            () -> "http://127.0.0.1:" + exchange.getAddress().getPort(),
            new DemoAnswers(delay));
  }

  @Test
  void aReferralIsTakenAndAcceptedByASignedCallback() throws Exception {
    startProvider(DELAY);
    String referralId = UUID.randomUUID().toString();

    HttpResponse<String> response = deliver(referralId, "Needs groceries", SECRET);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json.readTree(response.body()).path("reference").asString())
        .isEqualTo("food-bank-" + referralId);
    assertThat(provider.receivedReferralIds()).containsExactly(referralId);
    Callback callback = awaitCallbacks(1).get(0);
    assertThat(callback.path()).isEqualTo("/providers/food-bank/status");
    assertThat(callback.signatureValid()).isTrue();
    assertThat(callback.webhookId()).isEqualTo("status-" + referralId + "-accepted");
    JsonNode body = callback.body();
    assertThat(body.path("referralId").asString()).isEqualTo(referralId);
    assertThat(body.path("status").asString()).isEqualTo("accepted");
    assertThat(body.path("providerReference").asString()).isEqualTo("food-bank-" + referralId);
    assertThat(Instant.parse(body.path("occurredAt").asString()))
        .isBetween(Instant.now().minusSeconds(30), Instant.now());
    assertThat(body.has("reason")).isFalse();
    assertThat(body.has("outcome")).isFalse();
  }

  @Test
  void aDeclineNarrativeIsRejectedWithAReason() throws Exception {
    startProvider(DELAY);
    String referralId = UUID.randomUUID().toString();

    deliver(referralId, "Please Decline: we are full", SECRET);

    JsonNode body = awaitCallbacks(1).get(0).body();
    assertThat(body.path("status").asString()).isEqualTo("rejected");
    assertThat(body.path("reason").path("code").asString()).isEqualTo("no-capacity");
    assertThat(body.path("reason").path("text").asString())
        .isEqualTo("No capacity this month (demo)");
  }

  @Test
  void aCompleteNarrativeIsAcceptedThenCompletedWithItsCost() throws Exception {
    startProvider(DELAY);
    String referralId = UUID.randomUUID().toString();

    deliver(referralId, "complete the delivery", SECRET);

    List<Callback> received = awaitCallbacks(2);
    assertThat(received)
        .extracting(c -> c.body().path("status").asString())
        .containsExactly("accepted", "completed");
    JsonNode outcome = received.get(1).body().path("outcome");
    assertThat(outcome.path("delivered").asString()).isEqualTo("Demo service delivered");
    assertThat(outcome.path("cost").path("amount").decimalValue()).isEqualByComparingTo("42.50");
    assertThat(outcome.path("cost").path("currency").asString()).isEqualTo("USD");
    assertThat(received).allMatch(Callback::signatureValid);
  }

  @Test
  void aSilentNarrativeIsNeverAnswered() throws Exception {
    startProvider(DELAY);

    String silent = UUID.randomUUID().toString();
    assertThat(deliver(silent, "silent", SECRET).statusCode()).isEqualTo(200);

    // A later referral answered means the silent one's answer, had it one, was due and sent.
    String later = awaitALaterReferralAnswered();
    assertThat(provider.receivedReferralIds()).containsExactly(silent, later);
    assertThat(callbacks).allMatch(c -> c.body().path("referralId").asString().equals(later));
  }

  @Test
  void aBadSignatureIsRefusedAndNothingIsAnswered() throws Exception {
    startProvider(DELAY);

    HttpResponse<String> response =
        deliver(UUID.randomUUID().toString(), "Needs groceries", "whsec_b3RoZXItc2VjcmV0");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(provider.receivedReferralIds()).isEmpty();
    String later = awaitALaterReferralAnswered();
    assertThat(provider.receivedReferralIds()).containsExactly(later);
    assertThat(callbacks).allMatch(c -> c.body().path("referralId").asString().equals(later));
  }

  @Test
  void aRepeatedDeliveryIsTakenAgainButAnsweredOnce() throws Exception {
    startProvider(DELAY);
    String referralId = UUID.randomUUID().toString();

    HttpResponse<String> first = deliver(referralId, "complete it", SECRET);
    HttpResponse<String> again = deliver(referralId, "complete it", SECRET);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(provider.receivedReferralIds()).containsExactly(referralId);
    assertThat(provider.deliveries()).containsExactly(referralId, referralId);
    awaitCallbacks(2);
    // A second answer to the repeat would be due before a later referral's answers: wait for those.
    String later = awaitALaterReferralAnswered();
    assertThat(callbacks)
        .filteredOn(c -> c.body().path("referralId").asString().equals(referralId))
        .extracting(c -> c.body().path("status").asString())
        .containsExactly("accepted", "completed");
    assertThat(callbacks)
        .filteredOn(c -> !c.body().path("referralId").asString().equals(referralId))
        .allMatch(c -> c.body().path("referralId").asString().equals(later));
  }

  @Test
  void aFailingProviderAnswersItsStatusAndRecordsNothingUntilItRecovers() throws Exception {
    startProvider(DELAY);
    String referralId = UUID.randomUUID().toString();

    provider.failWith(500);
    HttpResponse<String> refused = deliver(referralId, "Needs groceries", SECRET);

    assertThat(refused.statusCode()).isEqualTo(500);
    assertThat(provider.refusedWebhooks()).isEqualTo(1);
    assertThat(provider.receivedReferralIds()).isEmpty();
    assertThat(provider.deliveries()).isEmpty();

    provider.recover();
    HttpResponse<String> taken = deliver(referralId, "Needs groceries", SECRET);

    assertThat(taken.statusCode()).isEqualTo(200);
    assertThat(provider.receivedReferralIds()).containsExactly(referralId);
    assertThat(provider.deliveries()).containsExactly(referralId);
    assertThat(awaitCallbacks(1).get(0).body().path("status").asString()).isEqualTo("accepted");
    // Only the delivery taken is answered: once a later referral is answered, still one answer.
    String later = awaitALaterReferralAnswered();
    assertThat(callbacks)
        .extracting(c -> c.body().path("referralId").asString())
        .containsExactly(referralId, later);
  }

  @Test
  void failWithTakesOnlyErrorStatuses() throws Exception {
    startProvider(DELAY);

    assertThatThrownBy(() -> provider.failWith(200)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aCallbackTheExchangeCannotTakeIsTriedAgainWithTheSameId() throws Exception {
    failuresToAnswer.set(2);
    startProvider(DELAY);
    String referralId = UUID.randomUUID().toString();

    deliver(referralId, "Needs groceries", SECRET);

    List<Callback> received = awaitCallbacks(3);
    assertThat(received)
        .extracting(Callback::webhookId)
        .containsOnly("status-" + referralId + "-accepted");
    assertThat(received).allMatch(Callback::signatureValid);
  }

  @Test
  void aWithdrawnReferralIsNotAnswered() throws Exception {
    startProvider(Duration.ofSeconds(1));
    String referralId = UUID.randomUUID().toString();
    deliver(referralId, "Needs groceries", SECRET);

    HttpResponse<String> response =
        post(
            "withdrawn-" + referralId,
            Map.of(
                "type",
                "referral.withdrawn",
                "referralId",
                referralId,
                "reason",
                Map.of("code", "consent-revoked", "text", "Consent revoked")),
            SECRET);

    assertThat(response.statusCode()).isEqualTo(200);
    // The withdrawn referral's answer was due a second after it came, before the later one's.
    String later = awaitALaterReferralAnswered();
    assertThat(provider.receivedReferralIds()).containsExactly(referralId, later);
    assertThat(callbacks).allMatch(c -> c.body().path("referralId").asString().equals(later));
  }

  /**
   * Delivers a plain referral now and waits for its {@code accepted}: the provider answers in due
   * order on one thread, so any answer due before it has been sent by then.
   *
   * @return the later referral's id
   */
  private String awaitALaterReferralAnswered() throws Exception {
    String later = UUID.randomUUID().toString();
    assertThat(deliver(later, "Needs groceries", SECRET).statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                callbacks.stream()
                    .anyMatch(
                        c ->
                            c.body().path("referralId").asString().equals(later)
                                && c.body().path("status").asString().equals("accepted")));
    return later;
  }

  private HttpResponse<String> deliver(String referralId, String narrative, String secret)
      throws Exception {
    Map<String, Object> referral =
        Map.of(
            "referralId",
            referralId,
            "providerId",
            PROVIDER_ID,
            "priority",
            "ROUTINE",
            "narrative",
            Map.of("needsDescription", narrative, "goals", List.of("Stable food supply")),
            "contactingSubjectProhibited",
            false);
    return post(
        "referral-" + referralId,
        Map.of("type", "referral.requested", "referral", referral),
        secret);
  }

  /** Posts as the exchange does: JSON, signed over the exact bytes sent. */
  private HttpResponse<String> post(String webhookId, Object payload, String secret)
      throws Exception {
    byte[] body = json.writeValueAsBytes(payload);
    long timestamp = Instant.now().getEpochSecond();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(provider.endpoint()))
            .header("Content-Type", "application/json")
            .header("webhook-id", webhookId)
            .header("webhook-timestamp", Long.toString(timestamp))
            .header("webhook-signature", StandardWebhooks.sign(webhookId, timestamp, body, secret))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private List<Callback> awaitCallbacks(int count) {
    await().atMost(Duration.ofSeconds(10)).until(() -> callbacks.size() >= count);
    return List.copyOf(callbacks);
  }
}
