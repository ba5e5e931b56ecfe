package org.referralexchange.adapter.provider.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.referralexchange.testing.fuzz.JsonFuzzer;
import org.referralexchange.webhooks.StandardWebhooks;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generated status callbacks against the adapter's real callback endpoint (the slice of {@link
 * WebhookCallbackTests}): most correctly signed, so they reach parsing and validation; some forged,
 * stale, replayed or for a provider that may not call back. Never a 5xx, every refusal a problem
 * detail with a type, and no refused callback reaches the status sink (what would be published).
 *
 * <p>{@value #DEFAULT_TRIES} callbacks in the build; {@code -Dfuzz.tries=10000} on demand, {@code
 * -Dfuzz.seed=N} to repeat a run, {@code -Dfuzz.seed=random} for a new one; the build uses a fixed
 * seed ({@link JsonFuzzer#DEFAULT_SEED}).
 */
@SpringBootTest(
    classes = WebhookCallbackTests.TestApp.class,
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = "management.endpoint.health.validate-group-membership=false")
class WebhookCallbackFuzzTests {

  static final int DEFAULT_TRIES = 300;

  private static final String VALID =
      """
      {"referralId":"ref-42","status":"completed","providerReference":"FB-1001",
       "reason":{"code":"other","text":"Picked up"},
       "outcome":{"delivered":"Groceries","units":3,"unitName":"boxes",
                  "cost":{"amount":12.50,"currency":"USD"}},
       "occurredAt":"2025-03-03T15:00:00Z"}
      """;

  @LocalServerPort int port;
  @Autowired WebhookCallbackTests.RecordingSink sink;

  private final HttpClient http = HttpClient.newHttpClient();
  private final int tries = Integer.getInteger("fuzz.tries", DEFAULT_TRIES);
  private final long seed = JsonFuzzer.seedFromSystemProperty();
  private final JsonFuzzer fuzzer = new JsonFuzzer(seed);
  private final Random random = new Random(seed);

  @Test
  void generatedCallbacksNeverFailAndRefusedOnesReachNothing() throws Exception {
    List<String> failures = new ArrayList<>();
    int accepted = 0;
    String lastId = null;
    for (int i = 0; i < tries; i++) {
      JsonFuzzer.Mutant mutant = fuzzer.mutate(VALID);
      byte[] body = mutant.body().getBytes(StandardCharsets.UTF_8);
      String id = "msg_" + UUID.randomUUID();
      long timestamp = Instant.now().getEpochSecond();
      String secret = WebhookCallbackTests.SECRET;
      String provider = "food-bank";
      String tampering;
      switch (random.nextInt(10)) {
        case 0 -> {
          secret = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
          tampering = "forged";
        }
        case 1 -> {
          timestamp -= 3_600;
          tampering = "stale";
        }
        case 2 -> {
          id = lastId == null ? id : lastId;
          tampering = "replayed id";
        }
        case 3 -> {
          provider = random.nextBoolean() ? "fhir-clinic" : "unknown-provider";
          tampering = "provider " + provider;
        }
        default -> tampering = "signed";
      }
      lastId = id;
      int before = sink.accepted.size();
      HttpResponse<String> response =
          send(provider, id, timestamp, StandardWebhooks.sign(id, timestamp, body, secret), body);
      int grew = sink.accepted.size() - before;
      String what = tampering + ", " + mutant.description();
      int status = response.statusCode();
      if (status >= 500) {
        failures.add(status + " for " + what + ": " + response.body());
      } else if (status >= 400) {
        if (!isProblem(response)) {
          failures.add(status + " without a problem type for " + what + ": " + response.body());
        }
        if (grew != 0) {
          failures.add(status + " but the sink took the update, for " + what);
        }
      } else {
        accepted += grew;
        if (!tampering.equals("signed") && !tampering.equals("replayed id")) {
          failures.add(status + " for a " + what);
        }
      }
    }
    assertThat(failures).as("seed %d (-Dfuzz.seed=%d repeats it)", seed, seed).isEmpty();
    assertThat(accepted).as("some variants are still valid and get through").isPositive();
  }

  private boolean isProblem(HttpResponse<String> response) {
    return response
            .headers()
            .firstValue("Content-Type")
            .filter(type -> type.startsWith("application/problem+json"))
            .isPresent()
        && !JsonMapper.builder()
            .build()
            .readTree(response.body())
            .path("type")
            .asString()
            .isBlank();
  }

  private HttpResponse<String> send(
      String provider, String id, long timestamp, String signature, byte[] body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/providers/" + provider + "/status"))
            .header("Content-Type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", Long.toString(timestamp))
            .header("webhook-signature", signature)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
