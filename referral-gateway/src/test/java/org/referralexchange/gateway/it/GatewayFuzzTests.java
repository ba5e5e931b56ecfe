package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.fuzz.JsonFuzzer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Generated hostile requests against every write endpoint of a real gateway (real broker and
 * registry behind it): never a 5xx, every refusal a ProblemDetail with a type, and nothing
 * published for a refused request, counted on the topics themselves.
 *
 * <p>Short form in the build: {@value #DEFAULT_TRIES} requests per endpoint. Long form: {@code mvn
 * -pl referral-gateway -am verify -Dtest=GatewayFuzzTests -Dsurefire.failIfNoSpecifiedTests=false
 * -Dfuzz.tries=10000 -Dfuzz.seed=random}; {@code -Dfuzz.seed=N} repeats a run (the seed is printed
 * on failure). The build uses a fixed seed ({@link JsonFuzzer#DEFAULT_SEED}).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "gateway.limits.requests-per-minute=100000000")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayFuzzTests {

  static final int DEFAULT_TRIES = 300;

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
  }

  @LocalServerPort int port;

  private final int tries = Integer.getInteger("fuzz.tries", DEFAULT_TRIES);
  private final long seed = JsonFuzzer.seedFromSystemProperty();
  private final JsonFuzzer fuzzer = new JsonFuzzer(seed);
  private String consentId;
  private String clientId;

  @BeforeAll
  void recordAConsent() {
    // Once ready, as a load balancer would send requests: the provider directory is read then.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .until(() -> client().get(null, "/actuator/health/readiness").status() == 200);
    clientId = "client-fuzz-" + UUID.randomUUID();
    GatewayClient.Response consent =
        client().post("county-hhs", "/api/v1/consents", Requests.consent(clientId));
    assertThat(consent.status()).as(consent.body()).isEqualTo(201);
    consentId = consent.json().path("consentId").asString();
  }

  GatewayClient client() {
    return new GatewayClient(port);
  }

  @Test
  void referralsEveryAcceptedRequestIsOneEventAndNothingElseIsPublished() {
    String valid = Requests.referral(consentId, clientId);
    Outcomes outcomes =
        fuzz(
            Topics.REFERRAL_SUBMITTED.name(),
            () -> {
              JsonFuzzer.Mutant mutant = fuzzer.mutate(valid);
              String key = fuzzer.headerValue();
              GatewayClient.Response response =
                  key == null
                      ? client().post("county-hhs", "/api/v1/referrals", mutant.body())
                      : client()
                          .post(
                              "county-hhs",
                              "/api/v1/referrals",
                              mutant.body(),
                              "Idempotency-Key",
                              key);
              boolean published =
                  response.status() == 202
                      && "false".equals(response.header("Idempotent-Replayed"));
              return new Attempt(mutant.description(), response, published);
            });

    assertThat(outcomes.published()).isEqualTo(outcomes.topicGrowth());
    assertThat(outcomes.refused()).as("most variants are refused").isGreaterThan(tries / 2);
  }

  @Test
  void consentsEveryRecordedConsentIsOneEventAndNothingElseIsPublished() {
    String valid = Requests.consent("client-fuzz-consent-" + UUID.randomUUID());
    Outcomes outcomes =
        fuzz(
            Topics.CONSENT_EVENTS.name(),
            () -> {
              JsonFuzzer.Mutant mutant = fuzzer.mutate(valid);
              GatewayClient.Response response =
                  client().post("county-hhs", "/api/v1/consents", mutant.body());
              return new Attempt(mutant.description(), response, response.status() == 201);
            });

    assertThat(outcomes.published()).isEqualTo(outcomes.topicGrowth());
  }

  @Test
  void cancellationsAndRevocationsOfUnknownIdsPublishNothing() {
    String cancellation =
        "{\"reasonCode\": \"client-declined\", \"reasonText\": \"No longer needed\"}";
    Outcomes cancellations =
        fuzz(
            Topics.REFERRAL_STATUS_CHANGED.name(),
            () -> {
              JsonFuzzer.Mutant mutant = fuzzer.mutate(cancellation);
              String path = "/api/v1/referrals/" + fuzzer.pathSegment() + "/cancellation";
              return new Attempt(
                  path + " " + mutant.description(),
                  client().post("county-hhs", path, mutant.body()),
                  false);
            });
    Outcomes revocations =
        fuzz(
            Topics.CONSENT_EVENTS.name(),
            () -> {
              JsonFuzzer.Mutant mutant =
                  fuzzer.mutate("{\"reasonCode\": \"client-request\", \"reasonText\": \"Asked\"}");
              String path = "/api/v1/consents/" + fuzzer.pathSegment() + "/revocation";
              return new Attempt(
                  path + " " + mutant.description(),
                  client().post("county-hhs", path, mutant.body()),
                  false);
            });

    assertThat(cancellations.topicGrowth()).isZero();
    assertThat(revocations.topicGrowth()).isZero();
  }

  @Test
  void listingWithGeneratedQueriesNeverFails() {
    fuzz(
        Topics.REFERRAL_SUBMITTED.name(),
        () -> {
          String path =
              "/api/v1/referrals?status="
                  + fuzzer.pathSegment()
                  + "&since="
                  + fuzzer.pathSegment()
                  + "&size="
                  + fuzzer.pathSegment();
          return new Attempt(path, client().get("county-hhs", path), false);
        });
  }

  /** One request: what it was, the answer, and whether it must have published one event. */
  record Attempt(String description, GatewayClient.Response response, boolean published) {}

  record Outcomes(int published, int refused, long topicGrowth) {}

  /**
   * Sends {@link #tries} generated requests; each must be answered below 500, and each 4xx must be
   * a ProblemDetail with a type. Returns how many must have published and how much the topic grew.
   */
  private Outcomes fuzz(String topic, Supplier<Attempt> attempt) {
    long before = TestInfrastructure.readAll(topic).size();
    int published = 0;
    int refused = 0;
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < tries; i++) {
      Attempt a = attempt.get();
      int status = a.response().status();
      if (status >= 500) {
        failures.add(status + " for " + a.description() + ": " + abbreviate(a.response().body()));
      } else if (status >= 400) {
        refused++;
        String type = problemType(a.response());
        if (type == null) {
          failures.add(
              status
                  + " without a ProblemDetail type for "
                  + a.description()
                  + " ("
                  + a.response().header("Content-Type")
                  + ": "
                  + abbreviate(a.response().body())
                  + ")");
        }
      }
      if (a.published()) {
        published++;
      }
    }
    assertThat(failures).as("seed %d (-Dfuzz.seed=%d repeats it)", seed, seed).isEmpty();
    long after = TestInfrastructure.readAll(topic).size();
    return new Outcomes(published, refused, after - before);
  }

  private static String abbreviate(String body) {
    return body.length() > 300 ? body.substring(0, 300) + "…" : body;
  }

  private static String problemType(GatewayClient.Response response) {
    String contentType = response.header("Content-Type");
    if (contentType == null || !contentType.startsWith("application/problem+json")) {
      return null;
    }
    String type = response.json().path("type").asString();
    return type.isBlank() ? null : type;
  }
}
