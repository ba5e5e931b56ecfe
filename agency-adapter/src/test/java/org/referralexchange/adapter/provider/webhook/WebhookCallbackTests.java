package org.referralexchange.adapter.provider.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.service.ServiceConfigFile;
import org.referralexchange.webhooks.StandardWebhooks;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The status callback over a real port, with only this package's controller and test doubles of the
 * core's two interfaces: no Kafka, no other feature of the adapter.
 */
// The adapter's agency-adapter.yml puts Kafka health contributors in the readiness group; this
// slice
// has no Kafka, so the group is not checked.
@SpringBootTest(
    classes = WebhookCallbackTests.TestApp.class,
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = "management.endpoint.health.validate-group-membership=false")
class WebhookCallbackTests {

  static final String SECRET = "whsec_c3RhdHVzLWNhbGxiYWNrLXNpZ25pbmcta2V5LTMy";

  /** Web MVC and Jackson from auto-configuration; Kafka (Boot's and the exchange's) left out. */
  @SpringBootConfiguration
  @ServiceConfigFile("agency-adapter")
  @EnableAutoConfiguration(
      excludeName = {
        "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
        "org.springframework.boot.kafka.autoconfigure.metrics.KafkaMetricsAutoConfiguration",
        "org.referralexchange.kafka.ExchangeKafkaAutoConfiguration"
      })
  @Import({WebhookCallbackController.class, TestProviders.class, RecordingSink.class})
  @EnableConfigurationProperties(WebhookCallbackProperties.class)
  static class TestApp {}

  /** Two providers: a webhook one and a FHIR one, which must not be able to call back here. */
  static class TestProviders implements WebhookProviders {
    @Override
    public Optional<ProviderSettings> find(String providerId) {
      return switch (providerId) {
        case "food-bank" -> Optional.of(provider("food-bank", "webhook", SECRET));
        case "fhir-clinic" -> Optional.of(provider("fhir-clinic", "fhir", SECRET));
        case "no-secret" -> Optional.of(provider("no-secret", "webhook", null));
        default -> Optional.empty();
      };
    }
  }

  /**
   * Records what it accepts. Refuses referrals whose id starts with {@code refuse-} (as the core's
   * lifecycle check would) and cannot record those starting with {@code later-} (broker down).
   */
  static class RecordingSink implements ProviderStatusSink {
    final List<ProviderStatusUpdate> accepted = new CopyOnWriteArrayList<>();

    @Override
    public void accept(ProviderSettings provider, ProviderStatusUpdate update) {
      if (update.referralId().startsWith("refuse-")) {
        throw new ProviderRejectedException("completed is not allowed after rejected", null);
      }
      if (update.referralId().startsWith("later-")) {
        throw new ProviderUnavailableException("broker unavailable", null);
      }
      accepted.add(update);
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = JsonMapper.builder().build();

  @LocalServerPort private int port;
  @Autowired private RecordingSink sink;

  @BeforeEach
  void clearSink() {
    sink.accepted.clear();
  }

  @Test
  void acceptsASignedUpdateAndHandsTheMappedUpdateToTheSink() throws Exception {
    String body =
        """
        {"referralId":"ref-42","status":"completed","providerReference":"FB-1001",
         "reason":{"code":"other","text":"Picked up"},
         "outcome":{"delivered":"Groceries","units":3,"unitName":"boxes",
                    "cost":{"amount":12.50,"currency":"USD"}},
         "occurredAt":"2025-03-03T15:00:00Z","extra":"ignored"}
        """;

    HttpResponse<String> response = send("food-bank", signedNow(newId(), body));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(sink.accepted)
        .containsExactly(
            new ProviderStatusUpdate(
                "ref-42",
                ReferralStatus.COMPLETED,
                "other",
                "Picked up",
                "FB-1001",
                new ProviderStatusUpdate.Outcome(
                    "Groceries", 3.0, "boxes", new BigDecimal("12.50"), "USD"),
                Instant.parse("2025-03-03T15:00:00Z")));
  }

  @ParameterizedTest
  @CsvSource({
    // Excluded since SDOHCC 2.1; an older system's received reads as still requested.
    "received, REQUESTED",
    "accepted, ACCEPTED",
    "rejected, REJECTED",
    "in-progress, IN_PROGRESS",
    "on-hold, ON_HOLD",
    "cancelled, CANCELLED",
    "failed, FAILED",
    "completed, COMPLETED"
  })
  void mapsEachFhirTaskStatusAProviderMaySet(String code, ReferralStatus expected)
      throws Exception {
    String body = "{\"referralId\":\"ref-1\",\"status\":\"" + code + "\"}";

    HttpResponse<String> response = send("food-bank", signedNow(newId(), body));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(sink.accepted).extracting(ProviderStatusUpdate::status).containsExactly(expected);
  }

  @Test
  void aSignedEmptyBodyIsMalformedNotAServerError() throws Exception {
    // Found by WebhookCallbackFuzzTests: the signature over zero bytes is valid.
    HttpResponse<String> response = send("food-bank", signedNow(newId(), ""));

    assertProblem(response, 400, "/problems/malformed-request");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void verifiesTheRawBytesAsSent() throws Exception {
    // Odd spacing, key order and non-ASCII text: re-serialising would change the bytes.
    String body =
        "{ \"status\" : \"on-hold\",\n  \"referralId\":\"ref-7\", "
            + "\"reason\":{\"text\":\"Liste d’attente – été\",\"code\":\"waitlist\"} }";

    HttpResponse<String> response = send("food-bank", signedNow(newId(), body));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(sink.accepted)
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.reasonText()).isEqualTo("Liste d’attente – été");
              assertThat(u.status()).isEqualTo(ReferralStatus.ON_HOLD);
            });
  }

  @Test
  void refusesABadSignatureAndPublishesNothing() throws Exception {
    Signed good = signedNow(newId(), "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}");
    Signed tampered =
        new Signed(
            good.id(),
            good.timestamp(),
            good.signature(),
            "{\"referralId\":\"ref-1\",\"status\":\"rejected\"}");

    HttpResponse<String> response = send("food-bank", tampered);

    assertProblem(response, 401, "/problems/webhook-signature-invalid");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void refusesASignatureMadeWithAnotherSecret() throws Exception {
    String body = "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}";
    long now = Instant.now().getEpochSecond();
    String id = newId();
    Signed wrong =
        new Signed(id, now, StandardWebhooks.sign(id, now, body, "not-the-secret"), body);

    assertProblem(send("food-bank", wrong), 401, "/problems/webhook-signature-invalid");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void refusesARequestWithoutTheWebhookHeaders() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(statusUri("food-bank"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"))
            .build();

    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());

    assertProblem(response, 401, "/problems/webhook-signature-invalid");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void refusesATimestampOlderThanFiveMinutes() throws Exception {
    long stale = Instant.now().minus(Duration.ofMinutes(6)).getEpochSecond();

    HttpResponse<String> response =
        send(
            "food-bank",
            signed(newId(), stale, "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"));

    assertProblem(response, 401, "/problems/webhook-timestamp-stale");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void refusesATimestampMoreThanFiveMinutesAhead() throws Exception {
    long ahead = Instant.now().plus(Duration.ofMinutes(6)).getEpochSecond();

    HttpResponse<String> response =
        send(
            "food-bank",
            signed(newId(), ahead, "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"));

    assertProblem(response, 401, "/problems/webhook-timestamp-stale");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void refusesTheSameWebhookIdTheSecondTime() throws Exception {
    Signed update = signedNow(newId(), "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}");

    HttpResponse<String> first = send("food-bank", update);
    HttpResponse<String> replay = send("food-bank", update);

    assertThat(first.statusCode()).isEqualTo(202);
    assertProblem(replay, 401, "/problems/webhook-replayed");
    assertThat(sink.accepted).hasSize(1);
  }

  @Test
  void refusesAReusedWebhookIdEvenFreshlySigned() throws Exception {
    String id = newId();
    send("food-bank", signedNow(id, "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"));

    HttpResponse<String> again =
        send("food-bank", signedNow(id, "{\"referralId\":\"ref-1\",\"status\":\"completed\"}"));

    assertProblem(again, 401, "/problems/webhook-replayed");
    assertThat(sink.accepted)
        .extracting(ProviderStatusUpdate::status)
        .containsExactly(ReferralStatus.ACCEPTED);
  }

  @Test
  void letsTheProviderRetryAnIdTheExchangeCouldNotRecord() throws Exception {
    String id = newId();

    HttpResponse<String> failed =
        send("food-bank", signedNow(id, "{\"referralId\":\"later-1\",\"status\":\"accepted\"}"));
    HttpResponse<String> retried =
        send("food-bank", signedNow(id, "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"));

    assertProblem(failed, 503, "/problems/status-update-unavailable");
    assertThat(failed.headers().firstValue("Retry-After")).isPresent();
    assertThat(retried.statusCode()).isEqualTo(202);
    assertThat(sink.accepted).extracting(ProviderStatusUpdate::referralId).containsExactly("ref-1");
  }

  @Test
  void answersAnUnknownProviderWithNotFound() throws Exception {
    HttpResponse<String> response =
        send("nobody", signedNow(newId(), "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"));

    assertProblem(response, 404, "/problems/unknown-provider");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void treatsAProviderOfAnotherKindAsUnknown() throws Exception {
    HttpResponse<String> response =
        send(
            "fhir-clinic",
            signedNow(newId(), "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"));

    assertProblem(response, 404, "/problems/unknown-provider");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void answersAProviderWithoutAUsableSecretAsUnavailableAndPublishesNothing() throws Exception {
    HttpResponse<String> response =
        send("no-secret", signedNow(newId(), "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"));

    assertProblem(response, 503, "/problems/signature-check-unavailable");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void answersARefusedTransitionWithConflictAndTheSinksMessage() throws Exception {
    HttpResponse<String> response =
        send(
            "food-bank",
            signedNow(newId(), "{\"referralId\":\"refuse-1\",\"status\":\"completed\"}"));

    JsonNode problem = assertProblem(response, 409, "/problems/transition-refused");
    assertThat(problem.path("detail").stringValue())
        .isEqualTo("completed is not allowed after rejected");
  }

  @Test
  void answersMalformedJsonWithBadRequestWithoutEchoingIt() throws Exception {
    HttpResponse<String> response =
        send("food-bank", signedNow(newId(), "{\"referralId\":\"Ana Lopez\",\"status\":"));

    JsonNode problem = assertProblem(response, 400, "/problems/malformed-request");
    assertThat(response.body()).doesNotContain("Ana");
    assertThat(problem.path("detail").stringValue()).isNotBlank();
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void answersAMissingReferralIdWithBadRequest() throws Exception {
    HttpResponse<String> response =
        send("food-bank", signedNow(newId(), "{\"status\":\"accepted\"}"));

    assertProblem(response, 400, "/problems/malformed-request");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void answersAStatusAProviderMayNotSetWithBadRequest() throws Exception {
    for (String status : new String[] {"done", "requested", "entered-in-error", "ACCEPTED"}) {
      String body = "{\"referralId\":\"ref-1\",\"status\":\"" + status + "\"}";

      HttpResponse<String> response = send("food-bank", signedNow(newId(), body));

      assertProblem(response, 400, "/problems/unknown-status");
    }
    assertThat(sink.accepted).isEmpty();
  }

  // --- helpers

  record Signed(String id, long timestamp, String signature, String body) {}

  private static ProviderSettings provider(String id, String kind, String secret) {
    return new ProviderSettings(
        id,
        id,
        kind,
        URI.create("http://localhost:1/unused"),
        secret,
        Set.of(),
        ZoneId.of("UTC"),
        LocalTime.of(9, 0),
        LocalTime.of(17, 0),
        Duration.ofDays(2),
        Duration.ofDays(2),
        Duration.ofHours(1),
        true);
  }

  private static String newId() {
    return "msg_" + UUID.randomUUID();
  }

  private static Signed signedNow(String id, String body) {
    return signed(id, Instant.now().getEpochSecond(), body);
  }

  private static Signed signed(String id, long timestamp, String body) {
    return new Signed(id, timestamp, StandardWebhooks.sign(id, timestamp, body, SECRET), body);
  }

  @ParameterizedTest
  @ValueSource(strings = {"food%00bank", "food%2Fbank"})
  void answersAPathTomcatRefusesWithAProblemNotTomcatsPage(String providerId) throws Exception {
    HttpResponse<String> response =
        send(providerId, signedNow(newId(), "{\"referralId\":\"ref-1\",\"status\":\"accepted\"}"));

    assertProblem(response, 400, "/problems/malformed-request");
    assertThat(response.body()).doesNotContain("Tomcat").doesNotContain("<html");
    assertThat(sink.accepted).isEmpty();
  }

  @Test
  void answersAnOversizedHeaderWithAProblemNotTomcatsPage() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(statusUri("food-bank"))
            .header("Content-Type", "application/json")
            .header("webhook-id", "x".repeat(20_000))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();

    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());

    assertProblem(response, 400, "/problems/malformed-request");
    assertThat(response.body()).doesNotContain("Tomcat");
    assertThat(sink.accepted).isEmpty();
  }

  private URI statusUri(String providerId) {
    return URI.create("http://localhost:" + port + "/providers/" + providerId + "/status");
  }

  private HttpResponse<String> send(String providerId, Signed signed) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(statusUri(providerId))
            .header("Content-Type", "application/json")
            .header("webhook-id", signed.id())
            .header("webhook-timestamp", Long.toString(signed.timestamp()))
            .header("webhook-signature", signed.signature())
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(
                    signed.body().getBytes(StandardCharsets.UTF_8)))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode assertProblem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.path("type").stringValue()).isEqualTo(type);
    assertThat(problem.path("status").intValue()).isEqualTo(status);
    assertThat(Map.of("title", problem.path("title").stringValue(""))).doesNotContainValue("");
    return problem;
  }
}
