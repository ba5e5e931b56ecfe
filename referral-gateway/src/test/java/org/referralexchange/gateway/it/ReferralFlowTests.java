package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ConsentExpired;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.WireFormat;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.convention.TestBean;

/** The gateway's API against a real broker and registry, over real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class ReferralFlowTests {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
  }

  /** How far ahead of real time the gateway's clock runs; moved by tests, reset after each. */
  static final AtomicReference<Duration> GATEWAY_CLOCK_AHEAD = new AtomicReference<>(Duration.ZERO);

  /** The gateway's clock: real time plus {@link #GATEWAY_CLOCK_AHEAD}, so a consent can expire. */
  @TestBean Clock clock;

  static Clock clock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Instant instant() {
        return Instant.now().plus(GATEWAY_CLOCK_AHEAD.get());
      }
    };
  }

  @AfterEach
  void gatewayClockBackToRealTime() {
    GATEWAY_CLOCK_AHEAD.set(Duration.ZERO);
  }

  @LocalServerPort int port;

  GatewayClient client() {
    return new GatewayClient(port);
  }

  /** Requests wait for readiness, as a load balancer would: the log, providers included, read. */
  @BeforeEach
  void awaitReadiness() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> client().get(null, "/actuator/health/readiness").status() == 200);
  }

  String recordConsent(String agency, String body) {
    GatewayClient.Response response = client().post(agency, "/api/v1/consents", body);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    return response.json().path("consentId").asString();
  }

  GatewayClient.Response submit(String agency, String key, String body) {
    return client().post(agency, "/api/v1/referrals", body, "Idempotency-Key", key);
  }

  /**
   * Records published on the topic so far: the sum of its partitions' end offsets, which move with
   * every record appended (the topics are never truncated here). The same count as reading the
   * topic through, without reading a growing topic through four times per test.
   */
  static int count(String topic) {
    return (int)
        ExchangeInfrastructure.endOffsets(List.of(topic)).values().stream()
            .mapToLong(Long::longValue)
            .sum();
  }

  @Test
  void readinessWaitsForTheLogAndTheRegistry() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              GatewayClient.Response ready = client().get(null, "/actuator/health/readiness");
              assertThat(ready.status()).isEqualTo(200);
              assertThat(ready.body()).contains("\"eventLog\"").contains("\"schemaRegistry\"");
            });
  }

  @Test
  void servesOpenApiDescriptionOfTheApi() {
    GatewayClient.Response docs = client().get(null, "/v3/api-docs");

    assertThat(docs.status()).isEqualTo(200);
    assertThat(docs.json().path("paths").has("/api/v1/referrals")).isTrue();
    assertThat(docs.json().path("paths").has("/api/v1/consents/{consentId}/revocation")).isTrue();
  }

  @Test
  void countsConsentRefusalsByPolicyForPrometheus() {
    String clientId = "client-" + UUID.randomUUID();
    submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral("cns-unknown", clientId));

    GatewayClient.Response metrics = client().get(null, "/actuator/prometheus");

    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("gateway_consent_refusals_total{policy=\"consent-not-found\"")
        .contains("exchange_publish_seconds");
  }

  @Test
  void acceptedReferralIsOnTheTopicInWireFormatBeforeTheAnswer() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));

    GatewayClient.Response accepted =
        submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral(consentId, clientId));

    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    String referralId = accepted.json().path("referralId").asString();
    assertThat(accepted.header("Location")).isEqualTo("/api/v1/referrals/" + referralId);
    List<ConsumerRecord<String, byte[]>> onTopic =
        TestInfrastructure.readAll(Topics.REFERRAL_SUBMITTED.name()).stream()
            .filter(r -> r.key().equals(referralId))
            .toList();
    assertThat(onTopic).hasSize(1);
    assertThat(onTopic.get(0).value()[0]).isEqualTo(WireFormat.MAGIC_BYTE);

    GatewayClient.Response shown = client().get("county-hhs", "/api/v1/referrals/" + referralId);
    assertThat(shown.status()).isEqualTo(200);
    assertThat(shown.json().path("status").asString()).isEqualTo("REQUESTED");
    assertThat(shown.json().path("timeline").size()).isEqualTo(1);
  }

  @Test
  void sameKeyAndBodyGivesSameReferralAndPublishesOnce() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String key = "key-" + UUID.randomUUID();
    String body = Requests.referral(consentId, clientId);

    GatewayClient.Response first = submit("county-hhs", key, body);
    GatewayClient.Response second = submit("county-hhs", key, body);

    assertThat(first.status()).isEqualTo(202);
    assertThat(second.status()).isEqualTo(202);
    String referralId = first.json().path("referralId").asString();
    assertThat(second.json().path("referralId").asString()).isEqualTo(referralId);
    assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(
            TestInfrastructure.readAll(Topics.REFERRAL_SUBMITTED.name()).stream()
                .filter(r -> r.key().equals(referralId)))
        .hasSize(1);
  }

  /**
   * The race the claim alone let through: a request that read the view before another with the same
   * key was applied, and claimed after that one released, published a second record. Twenty
   * requests per key start together (one with a different body), for several keys in turn.
   */
  @Test
  void parallelSubmissionsWithOneKeyPublishOneRecordAndAnswerEveryOtherAsReplayOrConflict()
      throws Exception {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String body = Requests.referral(consentId, clientId);
    String otherBody = body.replace("URGENT", "ROUTINE");
    int parallel = 20;
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      for (int round = 0; round < 5; round++) {
        String key = "key-" + UUID.randomUUID();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<GatewayClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
          String sent = i == parallel / 2 ? otherBody : body;
          GatewayClient client = client();
          answers.add(
              pool.submit(
                  () -> {
                    start.await();
                    return client.post(
                        "county-hhs", "/api/v1/referrals", sent, "Idempotency-Key", key);
                  }));
        }
        start.countDown();
        List<GatewayClient.Response> responses = new ArrayList<>();
        for (Future<GatewayClient.Response> answer : answers) {
          responses.add(answer.get(60, TimeUnit.SECONDS));
        }

        List<GatewayClient.Response> created =
            responses.stream()
                .filter(r -> r.status() == 202 && !"true".equals(r.header("Idempotent-Replayed")))
                .toList();
        assertThat(created).as("answers created, key %s", key).hasSize(1);
        for (GatewayClient.Response other : responses) {
          if (other == created.get(0)) {
            continue;
          }
          assertThat(other.status()).as(other.body()).isIn(202, 409, 422);
          if (other.status() == 202) {
            assertThat(other.header("Idempotent-Replayed")).isEqualTo("true");
          }
        }
        String referralId = created.get(0).json().path("referralId").asString();
        assertThat(
                TestInfrastructure.readAll(Topics.REFERRAL_SUBMITTED.name()).stream()
                    .filter(r -> r.key().equals(referralId)))
            .as("records on %s for key %s", Topics.REFERRAL_SUBMITTED.name(), key)
            .hasSize(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sameKeyWithDifferentBodyIsRefusedAndPublishesNothing() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String key = "key-" + UUID.randomUUID();
    submit("county-hhs", key, Requests.referral(consentId, clientId));
    int before = count(Topics.REFERRAL_SUBMITTED.name());

    GatewayClient.Response reused =
        submit(
            "county-hhs", key, Requests.referral(consentId, clientId).replace("URGENT", "ROUTINE"));

    assertThat(reused.status()).isEqualTo(422);
    assertThat(reused.json().path("type").asString()).isEqualTo("/problems/idempotency-key-reused");
    assertThat(count(Topics.REFERRAL_SUBMITTED.name())).isEqualTo(before);
  }

  @Test
  void missingIdempotencyKeyIsRefused() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    int before = count(Topics.REFERRAL_SUBMITTED.name());

    GatewayClient.Response refused =
        client().post("county-hhs", "/api/v1/referrals", Requests.referral(consentId, clientId));

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("type").asString())
        .isEqualTo("/problems/idempotency-key-missing");
    assertThat(count(Topics.REFERRAL_SUBMITTED.name())).isEqualTo(before);
  }

  /**
   * Each consent policy refuses with its own problem type, and nothing is published. The content
   * policy's rows name the fields carried outside the consent (or outside the categories the
   * referral declares), never their values.
   */
  @ParameterizedTest(name = "{0} ({1})")
  @CsvSource(
      delimiter = '|',
      value = {
        "consent-not-found           | unknown |",
        "consent-not-for-this-client | other-agency |",
        "consent-revoked             | revoked |",
        "consent-not-yet-effective   | not-yet-effective |",
        "consent-expired             | expired |",
        "consent-does-not-cover-information | more-categories |",
        "part2-consent-required      | sud |",
        "consent-purpose-mismatch    | purpose |",
        "consent-does-not-cover-recipient | other-provider |",
        "consent-does-not-cover-fields | contact-outside-the-consent | address email phone",
        "consent-does-not-cover-fields | contact-not-declared | address email phone",
        "consent-does-not-cover-fields | names-under-social-needs-only | "
            + "birthDate familyName givenName identifiers",
        "consent-does-not-cover-fields | needs-without-social-needs | narrative needs",
        "consent-does-not-cover-fields | undeclared-narrative | narrative",
        "consent-does-not-cover-fields | narrative-with-mental-health | narrative"
      })
  void consentPolicyRefusalsPublishNothing(String policy, String scenario, String fields) {
    String clientId = "client-" + UUID.randomUUID();
    String consentId =
        switch (scenario) {
          case "contact-outside-the-consent" ->
              recordConsent("county-hhs", consentFor(clientId, "DEMOGRAPHICS", "SOCIAL_NEEDS"));
          case "names-under-social-needs-only" ->
              recordConsent("county-hhs", consentFor(clientId, "CONTACT_DETAILS", "SOCIAL_NEEDS"));
          case "needs-without-social-needs" ->
              recordConsent("county-hhs", consentFor(clientId, "DEMOGRAPHICS", "CONTACT_DETAILS"));
          case "unknown" -> "cns-does-not-exist";
          case "other-agency" -> recordConsent("harbor-shelter", Requests.consent(clientId));
          // Recorded while in force (an expired one is refused); expired by moving the clock below.
          case "expired" ->
              recordConsent(
                  "county-hhs",
                  Requests.consent(
                      clientId,
                      "northside-food-bank",
                      "\"DEMOGRAPHICS\", \"SOCIAL_NEEDS\"",
                      false,
                      "COC",
                      Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS)));
          case "other-provider" ->
              recordConsent(
                  "county-hhs",
                  Requests.consent(
                      clientId,
                      "riverside-housing",
                      "\"DEMOGRAPHICS\", \"SOCIAL_NEEDS\"",
                      false,
                      "COC",
                      Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS)));
          case "sud" ->
              recordConsent(
                  "county-hhs",
                  Requests.consent(
                      clientId,
                      "northside-food-bank",
                      "\"SOCIAL_NEEDS\", \"SUBSTANCE_USE_DISORDER\"",
                      false,
                      "COC",
                      Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS)));
          // Signed today, in force only from tomorrow: a referral now is refused.
          case "not-yet-effective" ->
              recordConsent(
                  "county-hhs",
                  Requests.consent(clientId)
                      .replace(
                          "\"purpose\":",
                          "\"effectiveFrom\": \"%s\", \"purpose\":"
                              .formatted(
                                  Instant.now()
                                      .plus(1, ChronoUnit.DAYS)
                                      .truncatedTo(ChronoUnit.SECONDS))));
          default -> recordConsent("county-hhs", Requests.consent(clientId));
        };
    if (scenario.equals("revoked")) {
      assertThat(
              client()
                  .post("county-hhs", "/api/v1/consents/" + consentId + "/revocation", "{}")
                  .status())
          .isEqualTo(200);
    }
    String categories =
        switch (scenario) {
          case "more-categories" -> "\"DEMOGRAPHICS\", \"MENTAL_HEALTH\"";
          case "sud" -> "\"SOCIAL_NEEDS\", \"SUBSTANCE_USE_DISORDER\"";
          case "contact-outside-the-consent", "contact-not-declared" ->
              "\"DEMOGRAPHICS\", \"SOCIAL_NEEDS\"";
          case "names-under-social-needs-only" -> "\"CONTACT_DETAILS\", \"SOCIAL_NEEDS\"";
          case "needs-without-social-needs" -> "\"DEMOGRAPHICS\", \"CONTACT_DETAILS\"";
          case "undeclared-narrative", "narrative-with-mental-health" -> Requests.EVERYTHING_SENT;
          default -> "\"DEMOGRAPHICS\", \"SOCIAL_NEEDS\"";
        };
    String body = Requests.referral(consentId, clientId, categories);
    if (scenario.equals("purpose")) {
      body = body.replace("\"purpose\": \"COC\"", "\"purpose\": \"HPAYMT\"");
    }
    if (scenario.equals("undeclared-narrative")) {
      body = body.replace(", \"narrativeCategories\": [\"SOCIAL_NEEDS\"]", "");
    }
    if (scenario.equals("narrative-with-mental-health")) {
      body =
          body.replace(
              "\"narrativeCategories\": [\"SOCIAL_NEEDS\"]",
              "\"narrativeCategories\": [\"SOCIAL_NEEDS\", \"MENTAL_HEALTH\"]");
    }
    int before = count(Topics.REFERRAL_SUBMITTED.name());
    if (scenario.equals("expired")) {
      GATEWAY_CLOCK_AHEAD.set(Duration.ofHours(2));
    }

    GatewayClient.Response refused = submit("county-hhs", "key-" + UUID.randomUUID(), body);

    assertThat(refused.status()).as(refused.body()).isEqualTo(422);
    assertThat(refused.json().path("type").asString()).isEqualTo("/problems/" + policy);
    assertThat(refused.json().path("policy").asString()).isEqualTo(policy);
    if (fields != null) {
      List<String> named = new ArrayList<>();
      refused.json().path("fields").forEach(f -> named.add(f.asString()));
      assertThat(named).containsExactly(fields.split(" "));
      assertThat(refused.json().path("detail").asString()).contains(named.toString());
      for (String canary : Requests.CANARIES) {
        assertThat(refused.body()).as("the problem holds " + canary).doesNotContain(canary);
      }
    }
    assertThat(count(Topics.REFERRAL_SUBMITTED.name())).isEqualTo(before);
  }

  /** A consent of the default agency, provider and purpose that covers these categories. */
  static String consentFor(String clientId, String... categories) {
    return Requests.consent(
        clientId,
        "northside-food-bank",
        String.join(", ", java.util.Arrays.stream(categories).map(c -> "\"" + c + "\"").toList()),
        false,
        "COC",
        Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * A referral under a consent without DEMOGRAPHICS leaves the names out (the pseudonym comes from
   * the client id) and is accepted; what is sealed on the topic holds no name, and the event says
   * what the narrative was declared to hold.
   */
  @Test
  void aReferralUnderASocialNeedsOnlyConsentLeavesOutTheNamesAndIsAccepted() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", consentFor(clientId, "SOCIAL_NEEDS"));
    String body =
        """
        {"target": {"providerId": "northside-food-bank", "serviceId": "emergency-groceries"},
         "needs": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes", "code": "food-insecurity"}],
         "narrative": {"needsDescription": "No food until payday"},
         "consent": {"consentId": "%s", "informationCategories": ["SOCIAL_NEEDS"], "purpose": "COC", "narrativeCategories": ["SOCIAL_NEEDS"]},
         "client": {"clientId": "%s"},
         "caseManager": {"id": "cm-7", "name": "Casey Manager", "email": "casey@county.example",
                         "preferredChannels": ["EMAIL"], "timeZone": "America/Chicago"},
         "contactingSubjectProhibited": false}
        """
            .formatted(consentId, clientId);

    GatewayClient.Response accepted = submit("county-hhs", "key-" + UUID.randomUUID(), body);

    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    String referralId = accepted.json().path("referralId").asString();
    org.referralexchange.events.v1.ReferralSubmitted event =
        (org.referralexchange.events.v1.ReferralSubmitted)
            ExchangeInfrastructure.events(Topics.REFERRAL_SUBMITTED.name(), referralId).get(0);
    assertThat(event.getConsent().getNarrativeCategories())
        .containsExactly(org.referralexchange.events.v1.InformationCategory.SOCIAL_NEEDS);
    org.referralexchange.events.v1.ClientIdentity identity =
        org.referralexchange.envelope.EnvelopeCipher.fromKeysetJson(TestInfrastructure.KEYSET)
            .open(
                event.getClient().getIdentity(),
                org.referralexchange.events.v1.ClientIdentity.class,
                referralId);
    assertThat(identity.getGivenName()).isEmpty();
    assertThat(identity.getFamilyName()).isEmpty();
    assertThat(identity.getPhone()).isNull();
  }

  /**
   * A referral whose consent does not cover SOCIAL_NEEDS carries no need codes and no narrative:
   * the target service alone says what is asked for. It is accepted.
   */
  @Test
  void aReferralWithoutSocialNeedsCarriesTheTargetServiceAloneAndIsAccepted() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", consentFor(clientId, "DEMOGRAPHICS"));
    String body =
        """
        {"target": {"providerId": "northside-food-bank", "serviceId": "emergency-groceries"},
         "consent": {"consentId": "%s", "informationCategories": ["DEMOGRAPHICS"], "purpose": "COC"},
         "client": {"clientId": "%s", "givenName": "Ada", "familyName": "Example"},
         "caseManager": {"id": "cm-7", "name": "Casey Manager", "email": "casey@county.example",
                         "preferredChannels": ["EMAIL"], "timeZone": "America/Chicago"},
         "contactingSubjectProhibited": false}
        """
            .formatted(consentId, clientId);

    GatewayClient.Response accepted = submit("county-hhs", "key-" + UUID.randomUUID(), body);

    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    org.referralexchange.events.v1.ReferralSubmitted event =
        (org.referralexchange.events.v1.ReferralSubmitted)
            ExchangeInfrastructure.events(
                    Topics.REFERRAL_SUBMITTED.name(), accepted.json().path("referralId").asString())
                .get(0);
    assertThat(event.getNeeds()).isEmpty();
    assertThat(event.getNarrative()).isNull();
  }

  /**
   * The gateway records the revocation and names the open referrals it ends; cancelling them is the
   * agency adapter's, driven by the event (so a gateway crash right after the publish leaves
   * nothing undone): the gateway itself publishes no status change.
   */
  @Test
  void revokingConsentPublishesTheRevocationAndNamesTheOpenReferralsItEnds() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String referralId =
        submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral(consentId, clientId))
            .json()
            .path("referralId")
            .asString();

    GatewayClient.Response revoked =
        client()
            .post(
                "county-hhs",
                "/api/v1/consents/" + consentId + "/revocation",
                "{\"reasonCode\": \"client-request\"}");

    assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
    assertThat(revoked.json().path("status").asString()).isEqualTo("REVOKED");
    assertThat(revoked.json().path("endingReferralIds").toString()).contains(referralId);
    assertThat(
            ExchangeInfrastructure.events(Topics.CONSENT_EVENTS.name(), consentId).stream()
                .filter(e -> e instanceof ConsentRevoked))
        .hasSize(1);
    assertThat(
            TestInfrastructure.readAll(Topics.REFERRAL_STATUS_CHANGED.name()).stream()
                .filter(r -> r.key().equals(referralId)))
        .isEmpty();

    GatewayClient.Response again =
        client().post("county-hhs", "/api/v1/consents/" + consentId + "/revocation", "{}");
    assertThat(again.status()).isEqualTo(200);
    assertThat(
            ExchangeInfrastructure.events(Topics.CONSENT_EVENTS.name(), consentId).stream()
                .filter(e -> e instanceof ConsentRevoked))
        .as("revoking again publishes nothing")
        .hasSize(1);
  }

  /**
   * A consent that ends on an event: recording the event publishes ConsentExpired once, the consent
   * is EXPIRED from then and refuses new referrals; a consent that ends on a date, or was revoked,
   * or an event dated in the future or before the signature is refused.
   */
  @Test
  void anExpiryEventRecordedEndsTheConsentOnceAndBadOnesAreRefused() {
    String clientId = "client-" + UUID.randomUUID();
    String byEvent =
        Requests.consent(clientId)
            .replaceFirst(
                "\"expiresAt\": \"[^\"]+\"", "\"expiryEvent\": \"end of the housing program\"");
    String consentId = recordConsent("county-hhs", byEvent);
    String referralId =
        submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral(consentId, clientId))
            .json()
            .path("referralId")
            .asString();
    String path = "/api/v1/consents/" + consentId + "/expiry-event";

    GatewayClient.Response future =
        client()
            .post(
                "county-hhs",
                path,
                "{\"expiredAt\": \"" + Instant.now().plus(1, ChronoUnit.DAYS) + "\"}");
    assertThat(future.status()).isEqualTo(422);
    assertThat(future.json().path("type").asString()).isEqualTo("/problems/expiry-event-in-future");
    GatewayClient.Response early =
        client().post("county-hhs", path, "{\"expiredAt\": \"2001-01-01T00:00:00Z\"}");
    assertThat(early.json().path("type").asString())
        .isEqualTo("/problems/expiry-event-before-signing");

    GatewayClient.Response ended = client().post("county-hhs", path, "{}");

    assertThat(ended.status()).as(ended.body()).isEqualTo(200);
    assertThat(ended.json().path("status").asString()).isEqualTo("EXPIRED");
    assertThat(ended.json().path("endingReferralIds").toString()).contains(referralId);
    assertThat(client().post("county-hhs", path, "{}").status()).isEqualTo(200);
    assertThat(
            ExchangeInfrastructure.events(Topics.CONSENT_EVENTS.name(), consentId).stream()
                .filter(e -> e instanceof ConsentExpired))
        .as("recording it again publishes nothing")
        .hasSize(1);
    GatewayClient.Response refused =
        submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral(consentId, clientId));
    assertThat(refused.json().path("type").asString()).isEqualTo("/problems/consent-expired");

    String byDate = recordConsent("county-hhs", Requests.consent(clientId));
    GatewayClient.Response noEvent =
        client().post("county-hhs", "/api/v1/consents/" + byDate + "/expiry-event", "{}");
    assertThat(noEvent.json().path("type").asString())
        .isEqualTo("/problems/consent-has-no-expiry-event");
  }

  /**
   * A consent whose expiry event was recorded already ended: a revocation after it is refused with
   * 409 consent-expired, publishes nothing, and the consent stays EXPIRED (its referrals keep the
   * reason consent-expired).
   */
  @Test
  void aRevocationAfterTheRecordedExpiryEventIsRefusedAndPublishesNothing() {
    String clientId = "client-" + UUID.randomUUID();
    String byEvent =
        Requests.consent(clientId)
            .replaceFirst(
                "\"expiresAt\": \"[^\"]+\"", "\"expiryEvent\": \"end of the housing program\"");
    String consentId = recordConsent("county-hhs", byEvent);
    GatewayClient.Response ended =
        client().post("county-hhs", "/api/v1/consents/" + consentId + "/expiry-event", "{}");
    assertThat(ended.status()).as(ended.body()).isEqualTo(200);
    int before = count(Topics.CONSENT_EVENTS.name());

    GatewayClient.Response refused =
        client()
            .post(
                "county-hhs",
                "/api/v1/consents/" + consentId + "/revocation",
                "{\"reasonCode\": \"client-request\"}");

    assertThat(refused.status()).as(refused.body()).isEqualTo(409);
    assertThat(refused.json().path("type").asString()).isEqualTo("/problems/consent-expired");
    assertThat(count(Topics.CONSENT_EVENTS.name())).isEqualTo(before);
    assertThat(
            ExchangeInfrastructure.events(Topics.CONSENT_EVENTS.name(), consentId).stream()
                .filter(e -> e instanceof ConsentRevoked))
        .isEmpty();
    assertThat(
            client()
                .get("county-hhs", "/api/v1/consents/" + consentId)
                .json()
                .path("status")
                .asString())
        .isEqualTo("EXPIRED");
  }

  /**
   * "Expires 31 December" means the end of that day where the agency works: the demo agencies are
   * in America/Chicago (UTC-6 in winter), so the consent ends at 06:00Z on 1 January.
   */
  @Test
  void anExpiryGivenAsADateEndsWithThatDayInTheAgencysTimeZone() {
    int year = LocalDate.now(ZoneOffset.UTC).getYear() + 1;
    String body =
        Requests.consent("client-" + UUID.randomUUID())
            .replaceFirst("\"expiresAt\": \"[^\"]+\"", "\"expiresOn\": \"" + year + "-12-31\"");

    GatewayClient.Response recorded = client().post("county-hhs", "/api/v1/consents", body);

    assertThat(recorded.status()).as(recorded.body()).isEqualTo(201);
    assertThat(Instant.parse(recorded.json().path("expiresAt").asString()))
        .isEqualTo(Instant.parse((year + 1) + "-01-01T06:00:00Z"));
    GatewayClient.Response both =
        client()
            .post(
                "county-hhs",
                "/api/v1/consents",
                body.replace(
                    "\"expiresOn\"",
                    "\"expiresAt\": \""
                        + Instant.now().plus(9, ChronoUnit.DAYS)
                        + "\", \"expiresOn\""));
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.json().path("type").asString()).isEqualTo("/problems/expiry-given-twice");
  }

  @Test
  void theTimelineShowsAProvidersJumpAsOneEntryWithWhatItSkippedAndTheProvidersWords() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String referralId =
        submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral(consentId, clientId))
            .json()
            .path("referralId")
            .asString();
    String words = "Closed: \"no <b>capacity</b>\" \\ see you";
    Instant completedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    // As the adapter records a Task seen requested, then completed between two polls.
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referralId,
        ReferralStatusChanged.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(completedAt)
            .setReferralId(referralId)
            .setProviderId("northside-food-bank")
            .setStatus(ReferralStatus.COMPLETED)
            .setSkipped(List.of(ReferralStatus.ACCEPTED))
            .setReason(Reason.newBuilder().setCode("other").setText(words).build())
            .setActor(
                Actor.newBuilder()
                    .setRole(ActorRole.PROVIDER)
                    .setOrganizationId("northside-food-bank")
                    .build())
            .setProviderReference("Task/77")
            .build());

    GatewayClient.Response shown =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> client().get("county-hhs", "/api/v1/referrals/" + referralId),
                r -> r.json().path("status").asString().equals("COMPLETED"));
    assertThat(shown.json().path("timeline").size()).isEqualTo(2);
    var entry = shown.json().path("timeline").get(1);
    assertThat(entry.path("status").asString()).isEqualTo("COMPLETED");
    assertThat(Instant.parse(entry.path("occurredAt").asString())).isEqualTo(completedAt);
    assertThat(entry.path("actorRole").asString()).isEqualTo("PROVIDER");
    assertThat(entry.path("actorOrganizationId").asString()).isEqualTo("northside-food-bank");
    assertThat(entry.path("reasonCode").asString()).isEqualTo("other");
    assertThat(entry.path("reasonText").asString()).isEqualTo(words);
    assertThat(entry.path("skipped").toString()).isEqualTo("[\"ACCEPTED\"]");
    assertThat(shown.json().path("timeline").get(0).path("skipped").size()).isZero();
    // The provider's words are data in the JSON, escaped, never markup or a broken document.
    assertThat(shown.body()).contains("Closed: \\\"no <b>capacity</b>\\\" \\\\ see you");
  }

  @Test
  void onlyTheReferringAgencyCancelsAndOthersCannotSeeIt() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String referralId =
        submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral(consentId, clientId))
            .json()
            .path("referralId")
            .asString();
    String cancel =
        "{\"reasonCode\": \"client-declined\", \"reasonText\": \"Found help elsewhere\"}";

    assertThat(client().get("harbor-shelter", "/api/v1/referrals/" + referralId).status())
        .isEqualTo(404);
    assertThat(client().get("harbor-shelter", "/api/v1/consents/" + consentId).status())
        .isEqualTo(404);
    assertThat(client().get("northside-food-bank", "/api/v1/referrals/" + referralId).status())
        .isEqualTo(200);
    assertThat(
            client()
                .post(
                    "northside-food-bank",
                    "/api/v1/referrals/" + referralId + "/cancellation",
                    cancel)
                .status())
        .isEqualTo(403);
    assertThat(
            client()
                .post("harbor-shelter", "/api/v1/referrals/" + referralId + "/cancellation", cancel)
                .status())
        .isEqualTo(404);

    GatewayClient.Response cancelled =
        client().post("county-hhs", "/api/v1/referrals/" + referralId + "/cancellation", cancel);
    assertThat(cancelled.status()).isEqualTo(202);
    assertThat(cancelled.json().path("status").asString()).isEqualTo("CANCELLED");
    GatewayClient.Response again =
        client().post("county-hhs", "/api/v1/referrals/" + referralId + "/cancellation", cancel);
    assertThat(again.status()).isEqualTo(202);
    assertThat(
            TestInfrastructure.readAll(Topics.REFERRAL_STATUS_CHANGED.name()).stream()
                .filter(r -> r.key().equals(referralId)))
        .hasSize(1);
  }

  @Test
  void listsOnlyTheCallersReferralsFilteredByStatus() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String referralId =
        submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral(consentId, clientId))
            .json()
            .path("referralId")
            .asString();

    GatewayClient.Response mine =
        client().get("county-hhs", "/api/v1/referrals?status=REQUESTED&size=100");
    GatewayClient.Response theirs = client().get("harbor-shelter", "/api/v1/referrals");

    assertThat(mine.status()).isEqualTo(200);
    assertThat(mine.body()).contains(referralId);
    assertThat(theirs.body()).doesNotContain(referralId);
    assertThat(
            client()
                .get("county-hhs", "/api/v1/referrals?since=2020-01-01T00:00:00Z&size=100")
                .body())
        .contains(referralId);
    GatewayClient.Response future =
        client().get("county-hhs", "/api/v1/referrals?since=2999-01-01T00:00:00Z");
    assertThat(future.status()).isEqualTo(200);
    assertThat(future.json().path("total").asInt()).isZero();
    assertThat(client().get("county-hhs", "/api/v1/referrals?since=yesterday").status())
        .isEqualTo(400);
  }

  @Test
  void aPageSizeOutOfRangeIsAValidationProblemNotAServerError() {
    // Found by GatewayFuzzTests: method validation's ConstraintViolationException was a 500.
    GatewayClient.Response response = client().get("county-hhs", "/api/v1/referrals?size=0");

    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.json().path("type").asString()).isEqualTo("/problems/validation-failed");
    assertThat(response.json().path("errors").toString()).contains("\"field\":\"size\"");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "mass assignment of status | \"status\": \"ACCEPTED\", | /problems/malformed-request | status",
        "mass assignment of id     | \"referralId\": \"ref-x\", | /problems/malformed-request | referralId",
        "wrong type                | \"priority\": 7, \"x\":1,   | /problems/malformed-request | ",
      })
  void refusesBodiesThatSetWhatTheExchangeSets(
      String name, String injected, String type, String field) {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String body = Requests.referral(consentId, clientId).replaceFirst("\\{", "{" + injected);
    int before = count(Topics.REFERRAL_SUBMITTED.name());

    GatewayClient.Response refused = submit("county-hhs", "key-" + UUID.randomUUID(), body);

    assertThat(refused.status()).as(refused.body()).isEqualTo(400);
    assertThat(refused.json().path("type").asString()).isEqualTo(type);
    if (field != null) {
      assertThat(refused.json().path("detail").asString()).contains("'" + field + "'");
    }
    assertThat(count(Topics.REFERRAL_SUBMITTED.name())).isEqualTo(before);
  }

  @Test
  void invalidFieldsAreNamedWithoutEchoingValues() {
    String body =
        Requests.referral("cns-x", "client-1")
            .replace("\"+15555550107\"", "\"not-a-number\"")
            .replace("\"America/Chicago\"", "\"Mars/Olympus\"");

    GatewayClient.Response refused = submit("county-hhs", "key-" + UUID.randomUUID(), body);

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().path("type").asString()).isEqualTo("/problems/validation-failed");
    assertThat(refused.body()).contains("caseManager.mobile").doesNotContain("not-a-number");
    assertThat(refused.body()).contains("timeZone");
  }

  @Test
  void malformedJsonAndUnknownProviderGetClearProblems() {
    GatewayClient.Response malformed =
        submit("county-hhs", "k-" + UUID.randomUUID(), "{\"target\": ");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().path("type").asString()).isEqualTo("/problems/malformed-request");

    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    GatewayClient.Response unknown =
        submit(
            "county-hhs",
            "k-" + UUID.randomUUID(),
            Requests.referral(consentId, clientId)
                .replace("\"providerId\": \"northside-food-bank\"", "\"providerId\": \"nobody\""));
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.json().path("type").asString()).isEqualTo("/problems/unknown-provider");
  }

  @Test
  void aConsentThatHasAlreadyExpiredIsRefusedAndPublishesNothing() {
    String clientId = "client-" + UUID.randomUUID();
    Instant expired = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    String body =
        Requests.consent(
            clientId, "northside-food-bank", "\"DEMOGRAPHICS\"", false, "COC", expired);
    int before = count(Topics.CONSENT_EVENTS.name());

    GatewayClient.Response refused = client().post("county-hhs", "/api/v1/consents", body);

    assertThat(refused.status()).as(refused.body()).isEqualTo(422);
    assertThat(refused.json().path("type").asString())
        .isEqualTo("/problems/consent-already-expired");
    assertThat(refused.json().path("detail").asString()).contains("expiresAt");
    assertThat(count(Topics.CONSENT_EVENTS.name())).isEqualTo(before);
    assertThat(client().get("county-hhs", "/api/v1/consents?clientId=" + clientId).json().size())
        .isZero();
  }

  /** A consent body signed at {@code signedAt} by {@code method}, otherwise as {@link Requests}. */
  static String signed(String body, String method, Instant signedAt) {
    return body.replace("\"method\": \"ELECTRONIC\"", "\"method\": \"" + method + "\"")
        .replaceFirst("\"signedAt\": \"[^\"]+\"", "\"signedAt\": \"" + signedAt + "\"");
  }

  static Instant inDays(long days) {
    return Instant.now().plus(days, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
  }

  /** Records nothing and answers with the type: the consent topic does not grow. */
  void assertConsentRefused(String body, String type) {
    int before = count(Topics.CONSENT_EVENTS.name());

    GatewayClient.Response refused = client().post("county-hhs", "/api/v1/consents", body);

    assertThat(refused.status()).as(refused.body()).isEqualTo(422);
    assertThat(refused.json().path("type").asString()).isEqualTo("/problems/" + type);
    assertThat(count(Topics.CONSENT_EVENTS.name())).isEqualTo(before);
  }

  @Test
  void aConsentSignedInTheFutureIsRefusedAndPublishesNothing() {
    String body =
        signed(
            Requests.consent("client-" + UUID.randomUUID()),
            "ELECTRONIC",
            Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS));

    assertConsentRefused(body, "consent-signed-in-future");
  }

  /** A clock a minute or two ahead of the gateway's is drift, not a date yet to come. */
  @Test
  void aSigningTimeWithinTheClockSkewToleranceIsRecorded() {
    String body =
        signed(
            Requests.consent("client-" + UUID.randomUUID()),
            "ELECTRONIC",
            Instant.now().plus(2, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS));

    recordConsent("county-hhs", body);
  }

  @Test
  void aConsentInForceBeforeItWasSignedIsRefusedAndPublishesNothing() {
    String body =
        Requests.consent("client-" + UUID.randomUUID())
            .replace(
                "\"purpose\":", "\"effectiveFrom\": \"%s\", \"purpose\":".formatted(inDays(-2)));

    assertConsentRefused(body, "consent-dates-out-of-order");
  }

  @Test
  void aConsentThatExpiresBeforeItTakesEffectIsRefusedAndPublishesNothing() {
    String body =
        Requests.consent(
                "client-" + UUID.randomUUID(),
                "northside-food-bank",
                "\"SOCIAL_NEEDS\"",
                false,
                "COC",
                inDays(1))
            .replace(
                "\"purpose\":", "\"effectiveFrom\": \"%s\", \"purpose\":".formatted(inDays(2)));

    assertConsentRefused(body, "consent-dates-out-of-order");
  }

  /**
   * 42 CFR 2.31: Part 2 information needs a written or electronic signature, never a verbal one.
   */
  @Test
  void aVerbalConsentToPart2InformationIsRefusedAndPublishesNothing() {
    String body =
        signed(
            Requests.consent(
                "client-" + UUID.randomUUID(),
                "northside-food-bank",
                "\"SOCIAL_NEEDS\", \"SUBSTANCE_USE_DISORDER\"",
                true,
                "TREAT",
                inDays(30)),
            "VERBAL_WITNESSED",
            Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS));

    assertConsentRefused(body, "part2-verbal-consent");
  }

  @Test
  void aPart2ConsentSignedElectronicallyIsRecorded() {
    String body =
        Requests.consent(
            "client-" + UUID.randomUUID(),
            "northside-food-bank",
            "\"SOCIAL_NEEDS\", \"SUBSTANCE_USE_DISORDER\"",
            true,
            "TREAT",
            inDays(30));
    int before = count(Topics.CONSENT_EVENTS.name());

    GatewayClient.Response recorded = client().post("county-hhs", "/api/v1/consents", body);

    assertThat(recorded.status()).as(recorded.body()).isEqualTo(201);
    assertThat(count(Topics.CONSENT_EVENTS.name())).isEqualTo(before + 1);
  }

  /** Posts a revocation dated {@code revokedAt}; it must be refused and leave the consent as is. */
  void assertRevocationRefused(Instant revokedAt, String type) {
    String consentId = recordConsent("county-hhs", Requests.consent("client-" + UUID.randomUUID()));
    int before = count(Topics.CONSENT_EVENTS.name());

    GatewayClient.Response refused =
        client()
            .post(
                "county-hhs",
                "/api/v1/consents/" + consentId + "/revocation",
                "{\"revokedAt\": \"%s\"}".formatted(revokedAt));

    assertThat(refused.status()).as(refused.body()).isEqualTo(422);
    assertThat(refused.json().path("type").asString()).isEqualTo("/problems/" + type);
    assertThat(count(Topics.CONSENT_EVENTS.name())).isEqualTo(before);
    assertThat(
            client()
                .get("county-hhs", "/api/v1/consents/" + consentId)
                .json()
                .path("status")
                .asString())
        .isNotEqualTo("REVOKED");
  }

  @Test
  void aRevocationDatedInTheFutureIsRefusedAndPublishesNothing() {
    assertRevocationRefused(inDays(1), "revocation-in-future");
  }

  /** {@link Requests#consent} signs an hour ago: a revocation two days ago predates the consent. */
  @Test
  void aRevocationDatedBeforeTheSigningIsRefusedAndPublishesNothing() {
    assertRevocationRefused(inDays(-2), "revocation-before-signing");
  }

  /**
   * Any body that is not JSON is 415 with a problem, decided before the body is read: the XML
   * converter on this classpath (as in the run command's JVM) used to read it and answer 400.
   */
  @ParameterizedTest(name = "{0} to {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "application/xml                   | /api/v1/referrals",
        "text/xml                          | /api/v1/referrals",
        "text/plain                        | /api/v1/referrals",
        "application/x-www-form-urlencoded | /api/v1/referrals",
        "application/xml                   | /api/v1/consents",
        "text/plain                        | /api/v1/consents",
      })
  void aBodyThatIsNotJsonIsUnsupportedMediaTypeAndPublishesNothing(String type, String path) {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String xml =
        "<referral><target><providerId>northside-food-bank</providerId></target></referral>";
    String body = type.contains("xml") ? xml : Requests.referral(consentId, clientId);
    int referrals = count(Topics.REFERRAL_SUBMITTED.name());
    int consents = count(Topics.CONSENT_EVENTS.name());

    GatewayClient.Response refused =
        client()
            .postAs("county-hhs", path, type, body, "Idempotency-Key", "key-" + UUID.randomUUID());

    assertThat(refused.status()).as(refused.body()).isEqualTo(415);
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(refused.json().path("type").asString())
        .isEqualTo("/problems/unsupported-media-type");
    assertThat(refused.json().path("detail").asString()).contains(type, "application/json");
    assertThat(count(Topics.REFERRAL_SUBMITTED.name())).isEqualTo(referrals);
    assertThat(count(Topics.CONSENT_EVENTS.name())).isEqualTo(consents);
  }

  @Test
  void aJsonBodyWithoutContentTypeIsUnsupportedMediaType() {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    int before = count(Topics.REFERRAL_SUBMITTED.name());

    GatewayClient.Response refused =
        client()
            .postAs(
                "county-hhs",
                "/api/v1/referrals",
                null,
                Requests.referral(consentId, clientId),
                "Idempotency-Key",
                "key-" + UUID.randomUUID());

    assertThat(refused.status()).as(refused.body()).isEqualTo(415);
    assertThat(refused.json().path("type").asString())
        .isEqualTo("/problems/unsupported-media-type");
    assertThat(count(Topics.REFERRAL_SUBMITTED.name())).isEqualTo(before);
  }

  /**
   * An Accept nobody serves is 406 with a problem in JSON, decided before the handler runs: a valid
   * referral sent with it is not published (it used to be published, then answered in XML here).
   */
  @ParameterizedTest(name = "Accept: {0}")
  @CsvSource({"application/xml", "text/html", "text/csv"})
  void anAcceptThatExcludesJsonIsNotAcceptableAndPublishesNothing(String accept) {
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    int referrals = count(Topics.REFERRAL_SUBMITTED.name());
    int consents = count(Topics.CONSENT_EVENTS.name());

    GatewayClient.Response submitted =
        client()
            .post(
                "county-hhs",
                "/api/v1/referrals",
                Requests.referral(consentId, clientId),
                "Idempotency-Key",
                "key-" + UUID.randomUUID(),
                "Accept",
                accept);
    GatewayClient.Response consent =
        client()
            .post("county-hhs", "/api/v1/consents", Requests.consent(clientId), "Accept", accept);
    GatewayClient.Response read =
        client().get("county-hhs", "/api/v1/consents/" + consentId, "Accept", accept);

    for (GatewayClient.Response refused : List.of(submitted, consent, read)) {
      assertThat(refused.status()).as(refused.body()).isEqualTo(406);
      assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
      assertThat(refused.json().path("type").asString()).isEqualTo("/problems/not-acceptable");
    }
    assertThat(count(Topics.REFERRAL_SUBMITTED.name())).isEqualTo(referrals);
    assertThat(count(Topics.CONSENT_EVENTS.name())).isEqualTo(consents);
  }

  /** Canary values go in through every client field; none comes out in clear anywhere. */
  @Test
  void noClientDataInClearOnAnyTopicOrLogLine(CapturedOutput output) {
    String clientId = "client-canary-id-9";
    String consentId = recordConsent("county-hhs", Requests.consent(clientId));
    String referralId =
        submit("county-hhs", "key-" + UUID.randomUUID(), Requests.referral(consentId, clientId))
            .json()
            .path("referralId")
            .asString();
    client()
        .post(
            "county-hhs",
            "/api/v1/referrals/" + referralId + "/cancellation",
            "{\"reasonCode\": \"other\"}");
    submit(
        "county-hhs",
        "key-" + UUID.randomUUID(),
        Requests.referral(consentId, clientId)
            .replace("\"status\"", "\"x\"")
            .replace("{", "{\"status\":1,"));

    for (var topic : Topics.ALL) {
      for (ConsumerRecord<String, byte[]> record : TestInfrastructure.readAll(topic.name())) {
        String raw = new String(record.value(), StandardCharsets.ISO_8859_1);
        for (String canary : Requests.CANARIES) {
          assertThat(raw).as(topic.name() + " holds " + canary).doesNotContain(canary);
        }
      }
    }
    for (String canary : Requests.CANARIES) {
      assertThat(output.getAll()).as("logs hold " + canary).doesNotContain(canary);
    }
  }
}
