package org.referralexchange.adapter.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.referralexchange.adapter.referral.ReferralStateView;
import org.referralexchange.envelope.EnvelopeCipher;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ClientBlock;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentExpired;
import org.referralexchange.events.v1.ConsentRecipients;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentReference;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.events.v1.Identifier;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralNarrative;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.events.v1.ServiceTarget;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.referralexchange.webhooks.StandardWebhooks;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The adapter against a real broker and registry, with webhook providers played by WireMock on
 * loopback: delivery with the allow-list, signed callbacks, consent re-check, a provider down while
 * another flows, and the response clock.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdapterFlowTests {

  static final String SECRET = "whsec_dGVzdC1vbmx5LXdlYmhvb2stc2VjcmV0LTEyMw==";
  static final Duration CONSENT_WAIT = Duration.ofSeconds(4);
  static final WireMockServer FOOD = started();
  static final WireMockServer HOUSING = started();

  /**
   * The adapter's clock: real time moved by what a test sets, so a response clock runs out when the
   * test says, not after a wait a slow machine can overrun. Reset after each test.
   */
  static final MutableClock CLOCK = new MutableClock();

  /** Gives the adapter {@link #CLOCK}; also a source for adapters a test starts itself. */
  @TestConfiguration
  static class TestClock {
    @Bean
    @Primary
    Clock testClock() {
      return CLOCK;
    }
  }

  @AfterEach
  void clockBackToRealTime() {
    CLOCK.reset();
  }

  /** The adapter's view of the referrals: what it has read of them. */
  @Autowired ReferralStateView referrals;

  static WireMockServer started() {
    WireMockServer server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    return server;
  }

  @AfterAll
  static void stopProviders() {
    FOOD.stop();
    HOUSING.stop();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) {
    properties.add("spring.kafka.bootstrap-servers", ExchangeInfrastructure::bootstrapServers);
    properties.add(
        "spring.kafka.properties.schema.registry.url", ExchangeInfrastructure::registryUrl);
    properties.add("adapter.encryption.keyset-json", () -> ExchangeInfrastructure.KEYSET);
    // Its own group: this cached context lives on beside the other tests' adapters, which have
    // other providers and must not be given its referrals.
    properties.add("exchange.kafka.ownership.group-id", () -> "adapter-flow-tests");
    properties.add("adapter.minimum-poll-interval", () -> "PT0S");
    properties.add("adapter.tick-interval", () -> "PT0.2S");
    properties.add("adapter.delivery.attempts", () -> "3");
    properties.add("adapter.delivery.initial-backoff", () -> "PT0.1S");
    properties.add("adapter.delivery.max-backoff", () -> "PT0.3S");
    properties.add("adapter.delivery.consent-wait", CONSENT_WAIT::toString);
    properties.add("adapter.consent-sweep-interval", () -> "PT0.5S");
    provider(properties, 0, "food", FOOD.baseUrl() + "/food", "PT1H", "givenName,narrative");
    provider(properties, 1, "housing", HOUSING.baseUrl() + "/housing", "PT1H", "givenName");
    provider(properties, 2, "clinic", FOOD.baseUrl() + "/clinic", "PT1H", "givenName");
    provider(properties, 3, "everything", FOOD.baseUrl() + "/everything", "PT1H", EVERY_FIELD);
    FOOD.stubFor(post(urlEqualTo("/food")).willReturn(aResponse().withStatus(202)));
    FOOD.stubFor(post(urlEqualTo("/everything")).willReturn(aResponse().withStatus(202)));
    FOOD.stubFor(post(urlEqualTo("/clinic")).willReturn(aResponse().withStatus(202)));
    HOUSING.stubFor(post(urlEqualTo("/housing")).willReturn(aResponse().withStatus(503)));
  }

  static void provider(
      DynamicPropertyRegistry properties,
      int i,
      String id,
      String url,
      String grace,
      String fields) {
    String p = "adapter.providers[" + i + "].";
    properties.add(p + "id", () -> id);
    properties.add(p + "name", () -> id + " provider");
    properties.add(p + "kind", () -> "webhook");
    properties.add(p + "endpoint", () -> url);
    properties.add(p + "secret", () -> SECRET);
    properties.add(p + "allowed-fields", () -> fields);
    properties.add(p + "service-categories", () -> id);
    properties.add(p + "time-zone", () -> "UTC");
    properties.add(p + "opens-at", () -> "00:00");
    properties.add(p + "closes-at", () -> "23:59:59.999");
    properties.add(
        p + "business-days", () -> "MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY");
    properties.add(p + "response-window", () -> "P2D");
    properties.add(p + "grace", () -> grace);
    properties.add(p + "poll-interval", () -> "PT15M");
    properties.add(p + "enabled", () -> "true");
  }

  @LocalServerPort int port;

  // --- the scenarios ---------------------------------------------------------------------

  @Test
  void deliversOnlyAllowListedFieldsAndRecordsTheDelivery() {
    String referralId = submit("food", Instant.now().plus(Duration.ofDays(2)), true);

    ReferralDelivered delivered =
        awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    assertThat(delivered.getProviderId()).isEqualTo("food");
    List<LoggedRequest> posts = deliveriesToFood(referralId);
    assertThat(posts).hasSize(1);
    String body = posts.get(0).getBodyAsString();
    assertThat(body).contains("Zebulon-Canary").contains("canary needs narrative");
    assertThat(body)
        .doesNotContain("Quixote-Canary")
        .doesNotContain("+15555550199")
        .doesNotContain("MRN-CANARY");
    String id = posts.get(0).getHeader("webhook-id");
    String timestamp = posts.get(0).getHeader("webhook-timestamp");
    assertThat(posts.get(0).getHeader("webhook-signature"))
        .isEqualTo(
            StandardWebhooks.sign(id, Long.parseLong(timestamp), posts.get(0).getBody(), SECRET));
  }

  /**
   * The canary scan at the provider: a provider whose allow-list names every field gets only what
   * the consent, as read from the log, covers. The sealed identity holds every field whatever the
   * consent says (as a referral from before the gateway's content check, or a faulty producer,
   * would), so the adapter's own withholding is what is checked.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Scope.class)
  void noFieldOutsideTheConsentReachesTheWebhookProvider(Scope scope) {
    String referralId =
        submit(
            "ref-" + UUID.randomUUID(),
            "everything",
            Instant.now().plus(Duration.ofDays(2)),
            ConsentTiming.FIRST,
            scope.content());

    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    List<LoggedRequest> posts =
        FOOD.findAll(
            postRequestedFor(urlEqualTo("/everything"))
                .withRequestBody(matchingJsonPath("$.referral.referralId", equalTo(referralId))));
    assertThat(posts).hasSize(1);
    assertOnlyTheseFieldsReachedTheProvider(posts.get(0).getBodyAsString(), scope.reaches());
  }

  @Test
  void signedCallbacksBecomeStatusEventsAndIllegalOnesAreRefused() throws Exception {
    String referralId = submit("food", Instant.now().plus(Duration.ofDays(2)), true);
    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);

    assertThat(
            callback(
                "food",
                "{\"referralId\":\""
                    + referralId
                    + "\",\"status\":\"accepted\",\"occurredAt\":\""
                    + Instant.now()
                    + "\"}"))
        .isEqualTo(202);
    ReferralStatusChanged accepted = awaitStatus(referralId, ReferralStatus.ACCEPTED);
    assertThat(accepted.getActor().getOrganizationId()).isEqualTo("food");

    int illegal =
        callback(
            "food",
            "{\"referralId\":\""
                + referralId
                + "\",\"status\":\"received\",\"occurredAt\":\""
                + Instant.now()
                + "\"}");
    assertThat(illegal).isEqualTo(409);
    int notTheirs =
        callback(
            "housing",
            "{\"referralId\":\""
                + referralId
                + "\",\"status\":\"completed\",\"occurredAt\":\""
                + Instant.now()
                + "\"}");
    assertThat(notTheirs).isEqualTo(409);

    assertThat(
            callback(
                "food",
                "{\"referralId\":\""
                    + referralId
                    + "\",\"status\":\"completed\",\"occurredAt\":\""
                    + Instant.now()
                    + "\",\"outcome\":{\"delivered\":\"Two weeks of groceries\",\"units\":2,\"unitName\":\"box\",\"cost\":{\"amount\":85.50,\"currency\":\"USD\"}}}"))
        .isEqualTo(202);
    ReferralStatusChanged completed = awaitStatus(referralId, ReferralStatus.COMPLETED);
    assertThat(completed.getOutcome().getCost().getAmount()).isEqualByComparingTo("85.50");
    assertThat(statuses(referralId))
        .extracting(ReferralStatusChanged::getStatus)
        .containsExactly(ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED);
  }

  @Test
  void aConsentRevokedBeforeDeliveryCancelsTheReferralUndelivered() {
    String referralId = submit("food", Instant.now().plus(Duration.ofDays(2)), false);

    ReferralStatusChanged cancelled = awaitStatus(referralId, ReferralStatus.CANCELLED);
    assertThat(cancelled.getReason().getCode()).isEqualTo("consent-revoked");
    assertThat(cancelled.getActor().getRole()).isEqualTo(ActorRole.EXCHANGE);
    assertThat(deliveriesToFood(referralId)).isEmpty();
  }

  /**
   * The race itself: the provider holds its answer to the delivery, and meanwhile the consent is
   * revoked and the gateway cancels the referral. The delivery that was already at the provider is
   * recorded, then withdrawn there once, for the revocation; the adapter says nothing else.
   */
  @Test
  void aConsentRevokedWhileTheDeliveryIsInFlightIsWithdrawnOnceAtTheProvider() {
    String referralId = "ref-" + UUID.randomUUID();
    // Held for less than the adapter's five-second request timeout: a slow answer, not a failure.
    StubMapping held =
        FOOD.stubFor(
            post(urlEqualTo("/food"))
                .atPriority(1)
                .withRequestBody(matchingJsonPath("$.referral.referralId", equalTo(referralId)))
                .willReturn(aResponse().withStatus(202).withFixedDelay(2_500)));
    try {
      submit(referralId, "food", Instant.now().plus(Duration.ofDays(2)), ConsentTiming.FIRST);
      await().atMost(Duration.ofSeconds(45)).until(() -> deliveriesToFood(referralId).size() == 1);
      assertThat(ExchangeInfrastructure.events(Topics.REFERRAL_DELIVERED.name(), referralId))
          .as("the provider has not answered yet")
          .isEmpty();

      Instant revoked = Instant.now();
      revokeAsTheGatewayDoes(referralId, revoked);

      ReferralDelivered delivered =
          awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
      assertThat(delivered.getOccurredAt())
          .as("the delivery ended after the revocation: the race was run")
          .isAfter(revoked);
      await().atMost(Duration.ofSeconds(45)).until(() -> withdrawalsAtFood(referralId).size() == 1);
      assertThat(withdrawalsAtFood(referralId).get(0).getBodyAsString())
          .contains("\"code\":\"consent-revoked\"");
      assertThat(deliveriesToFood(referralId)).hasSize(1);
      assertThat(ExchangeInfrastructure.events(Topics.REFERRAL_DELIVERED.name(), referralId))
          .hasSize(1);
      assertThat(statuses(referralId))
          .as("one cancellation, the adapter's, for the revocation: no answer, no second one")
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getStatus()).isEqualTo(ReferralStatus.CANCELLED);
                assertThat(s.getActor().getRole()).isEqualTo(ActorRole.EXCHANGE);
              });
      assertThat(ExchangeInfrastructure.events(Topics.REFERRAL_OVERDUE.name(), referralId))
          .isEmpty();
    } finally {
      FOOD.removeStub(held);
    }
  }

  /**
   * The revocation alone, as the gateway now publishes it, ends a referral the provider already
   * holds: the adapter cancels it as the exchange, once, and the provider is told to withdraw it
   * with the reason consent-revoked.
   */
  @Test
  void aRevokedConsentWithdrawsTheDeliveredReferralWithReasonConsentRevoked() {
    String referralId = submit("food", Instant.now().plus(Duration.ofDays(2)), true);
    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);

    revokeAsTheGatewayDoes(referralId, Instant.now());

    ReferralStatusChanged cancelled = awaitStatus(referralId, ReferralStatus.CANCELLED);
    assertThat(cancelled.getReason().getCode()).isEqualTo("consent-revoked");
    assertThat(cancelled.getActor().getRole()).isEqualTo(ActorRole.EXCHANGE);
    await().atMost(Duration.ofSeconds(45)).until(() -> withdrawalsAtFood(referralId).size() == 1);
    assertThat(withdrawalsAtFood(referralId).get(0).getBodyAsString())
        .contains("\"code\":\"consent-revoked\"");
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> statuses(referralId).size() == 1 && withdrawalsAtFood(referralId).size() == 1);
  }

  /**
   * A consent that ends on an event: once the event is recorded, the referrals under it end like a
   * revocation, with the reason consent-expired.
   */
  @Test
  void aRecordedExpiryEventEndsTheReferralsUnderTheConsent() {
    String referralId = submit("food", Instant.now().plus(Duration.ofDays(2)), true);
    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);

    expiryEventAsTheGatewayRecordsIt(referralId, Instant.now());

    ReferralStatusChanged cancelled = awaitStatus(referralId, ReferralStatus.CANCELLED);
    assertThat(cancelled.getReason().getCode()).isEqualTo("consent-expired");
    assertThat(cancelled.getActor().getRole()).isEqualTo(ActorRole.EXCHANGE);
    await().atMost(Duration.ofSeconds(45)).until(() -> withdrawalsAtFood(referralId).size() == 1);
    assertThat(withdrawalsAtFood(referralId).get(0).getBodyAsString())
        .contains("\"code\":\"consent-expired\"");
    assertThat(statuses(referralId)).hasSize(1);
  }

  /**
   * No event says a consent ran out by date: the sweep finds it. The adapter's clock is moved past
   * the consent's expiry (30 days), within the referral's respondBy, so only the consent ends it.
   */
  @Test
  void theSweepEndsADeliveredReferralWhoseConsentExpiredByDate() {
    String referralId = submit("food", Instant.now().plus(Duration.ofDays(60)), true);
    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    assertThat(statuses(referralId)).isEmpty();

    CLOCK.advance(Duration.ofDays(31));

    ReferralStatusChanged cancelled = awaitStatus(referralId, ReferralStatus.CANCELLED);
    assertThat(cancelled.getReason().getCode()).isEqualTo("consent-expired");
    await().atMost(Duration.ofSeconds(45)).until(() -> withdrawalsAtFood(referralId).size() == 1);
    assertThat(withdrawalsAtFood(referralId).get(0).getBodyAsString())
        .contains("\"code\":\"consent-expired\"");
    assertThat(statuses(referralId)).hasSize(1);
  }

  @Test
  void aConsentReadAfterItsReferralIsWaitedForAndTheReferralDelivered() {
    String referralId =
        submit("food", Instant.now().plus(Duration.ofDays(2)), ConsentTiming.AFTER_REFERRAL);

    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    assertThat(statuses(referralId)).extracting(ReferralStatusChanged::getStatus).isEmpty();
    assertThat(deliveriesToFood(referralId)).hasSize(1);
  }

  @Test
  void aReferralWhoseConsentNeverArrivesIsCancelledAfterTheWait() {
    Instant submitted = Instant.now();
    String referralId = submit("food", Instant.now().plus(Duration.ofDays(2)), ConsentTiming.NEVER);

    ReferralStatusChanged cancelled = awaitStatus(referralId, ReferralStatus.CANCELLED);
    assertThat(cancelled.getReason().getCode()).isEqualTo("consent-not-found");
    assertThat(cancelled.getOccurredAt())
        .as("not before the configured wait")
        .isAfterOrEqualTo(submitted.plus(CONSENT_WAIT));
    assertThat(deliveriesToFood(referralId)).isEmpty();
  }

  @Test
  void providerThatStaysDownFailsTheReferralWithoutHoldingUpAnother() {
    String down = submit("housing", Instant.now().plus(Duration.ofDays(2)), true);
    String up = submit("food", Instant.now().plus(Duration.ofDays(2)), true);

    awaitEvent(Topics.REFERRAL_DELIVERED.name(), up, ReferralDelivered.class);
    ReferralStatusChanged failed = awaitStatus(down, ReferralStatus.FAILED);
    assertThat(failed.getReason().getCode()).isEqualTo("delivery-failed");
    assertThat(
            HOUSING.findAll(
                postRequestedFor(urlEqualTo("/housing"))
                    .withRequestBody(matchingJsonPath("$.referral.referralId", equalTo(down)))))
        .hasSize(3);
    var dead =
        ExchangeInfrastructure.read(
            Topics.REFERRAL_SUBMITTED.deadLetterTopic(), new ByteArrayDeserializer());
    assertThat(dead)
        .anySatisfy(
            r -> {
              assertThat(r.key()).isEqualTo(down);
              assertThat(
                      new String(
                          r.headers().lastHeader("exchange-dlt-reason").value(),
                          StandardCharsets.UTF_8))
                  .isEqualTo("delivery-failed");
              assertThat(new String(r.value(), StandardCharsets.ISO_8859_1))
                  .doesNotContain("Zebulon-Canary");
            });
  }

  @Test
  void unansweredReferralIsRemindedThenReturned() {
    Instant respondBy = Instant.now().plus(Duration.ofHours(1));
    String referralId = submit("clinic", respondBy, true);
    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);

    CLOCK.advance(Duration.ofHours(1)); // past respondBy, within the hour of grace
    ReferralOverdue reminder = awaitOverdue(referralId, OverdueStage.REMINDER);
    assertThat(reminder.getProviderId()).isEqualTo("clinic");
    assertThat(reminder.getOccurredAt()).isAfterOrEqualTo(respondBy);
    assertThat(statuses(referralId)).as("not returned within the grace").isEmpty();

    CLOCK.advance(Duration.ofHours(1)); // past the grace
    ReferralStatusChanged returned = awaitStatus(referralId, ReferralStatus.FAILED);
    assertThat(returned.getOccurredAt()).isAfterOrEqualTo(respondBy.plus(Duration.ofHours(1)));
    assertThat(returned.getReason().getCode()).isEqualTo("no-response");
    awaitOverdue(referralId, OverdueStage.RETURNED);
    assertThat(
            FOOD.findAll(
                postRequestedFor(urlEqualTo("/clinic"))
                    .withRequestBody(matchingJsonPath("$.type", equalTo("referral.reminder")))
                    .withRequestBody(matchingJsonPath("$.referralId", equalTo(referralId)))))
        .hasSize(1);
    assertThat(ExchangeInfrastructure.events(Topics.REFERRAL_OVERDUE.name(), referralId))
        .hasSize(2);
  }

  @Test
  void answerInTimeStopsTheClock() throws Exception {
    String referralId = submit("clinic", Instant.now().plus(Duration.ofHours(1)), true);
    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    assertThat(
            callback(
                "clinic",
                "{\"referralId\":\""
                    + referralId
                    + "\",\"status\":\"accepted\",\"occurredAt\":\""
                    + Instant.now()
                    + "\"}"))
        .isEqualTo(202);
    awaitStatus(referralId, ReferralStatus.ACCEPTED);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> referrals.get(referralId).map(r -> r.providerAnswered()).orElse(false));
    // Due after the answered one, never answered: once it is returned, the answered one's
    // deadlines have passed on the adapter's clock and it was looked at.
    String unanswered = submit("clinic", Instant.now().plus(Duration.ofHours(1)), true);
    awaitEvent(Topics.REFERRAL_DELIVERED.name(), unanswered, ReferralDelivered.class);

    CLOCK.advance(Duration.ofHours(3)); // through respondBy and the grace after it
    awaitOverdue(unanswered, OverdueStage.RETURNED);

    assertThat(ExchangeInfrastructure.events(Topics.REFERRAL_OVERDUE.name(), referralId)).isEmpty();
    assertThat(statuses(referralId))
        .extracting(ReferralStatusChanged::getStatus)
        .containsExactly(ReferralStatus.ACCEPTED);
  }

  @Test
  void undecodableRecordsAreDeadLetteredWithTheirBytesAndTheWorkMovesOn() {
    String poison = "poison-" + UUID.randomUUID();
    byte[] badMagic = {7, 0, 0, 0, 1, 2, 3};
    byte[] unknownId = {0, 0x7f, 0, 0, 9, 2, 3};
    ExchangeInfrastructure.publishRaw(
        Topics.REFERRAL_SUBMITTED.name(), poison + "-magic", badMagic);
    ExchangeInfrastructure.publishRaw(
        Topics.REFERRAL_SUBMITTED.name(), poison + "-unknown", unknownId);
    String good = submit("food", Instant.now().plus(Duration.ofDays(2)), true);

    awaitEvent(Topics.REFERRAL_DELIVERED.name(), good, ReferralDelivered.class);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var dead =
                  ExchangeInfrastructure.read(
                      Topics.REFERRAL_SUBMITTED.deadLetterTopic(), new ByteArrayDeserializer());
              var mine =
                  dead.stream().filter(r -> r.key() != null && r.key().startsWith(poison)).toList();
              assertThat(mine).hasSize(2);
              for (var record : mine) {
                assertThat(
                        new String(
                            record.headers().lastHeader("exchange-dlt-reason").value(),
                            StandardCharsets.UTF_8))
                    .isEqualTo("undecodable");
                assertThat(
                        new String(
                            record.headers().lastHeader("exchange-dlt-original-topic").value(),
                            StandardCharsets.UTF_8))
                    .isEqualTo(Topics.REFERRAL_SUBMITTED.name());
              }
              assertThat(
                      mine.stream()
                          .filter(r -> r.key().endsWith("-magic"))
                          .findFirst()
                          .orElseThrow()
                          .value())
                  .isEqualTo(badMagic);
              assertThat(
                      new String(
                          mine.stream()
                              .filter(r -> r.key().endsWith("-unknown"))
                              .findFirst()
                              .orElseThrow()
                              .headers()
                              .lastHeader("exchange-dlt-cause")
                              .value(),
                          StandardCharsets.UTF_8))
                  .endsWith("UnknownSchemaId");
            });
  }

  // --- helpers ---------------------------------------------------------------------------

  /** Publishes a consent (revoked unless {@code consentStands}) and a referral under it. */
  static String submit(String providerId, Instant respondBy, boolean consentStands) {
    return submit(
        providerId, respondBy, consentStands ? ConsentTiming.FIRST : ConsentTiming.REVOKED_FIRST);
  }

  /** When the consent a test referral names reaches the log, relative to the referral. */
  enum ConsentTiming {
    /** Recorded before the referral, as the gateway does. */
    FIRST,
    /** Recorded and revoked before the referral. */
    REVOKED_FIRST,
    /** Recorded a second after the referral: read after it, as can happen across topics. */
    AFTER_REFERRAL,
    /** Never recorded. */
    NEVER
  }

  static String submit(String providerId, Instant respondBy, ConsentTiming timing) {
    return submit("ref-" + UUID.randomUUID(), providerId, respondBy, timing);
  }

  /** The consent each referral submitted here was made under, by referral id. */
  static final Map<String, ConsentRecorded> CONSENTS = new ConcurrentHashMap<>();

  /** An allow-list naming every client field: the consent alone then decides. */
  static final String EVERY_FIELD =
      "givenName,familyName,birthDate,phone,email,address,identifiers,preferredLanguage,narrative";

  /** The canary each field carries in every referral submitted here, by allow-list name. */
  static final Map<String, String> CANARY_BY_FIELD =
      Map.of(
          "givenName", "Zebulon-Canary",
          "familyName", "Quixote-Canary",
          "birthDate", "1980-02-29",
          "phone", "+15555550199",
          "email", "canary.client@example.org",
          "address", "77 Canary Lane",
          "identifiers", "MRN-CANARY-4471",
          "preferredLanguage", "x-canary-lang",
          "needs", "food-insecurity",
          "narrative", "canary needs narrative");

  /**
   * What the consent in the log covers (null: the sample's DEMOGRAPHICS, CONTACT_DETAILS,
   * SOCIAL_NEEDS), what the referral declares it discloses, and the categories its narrative was
   * declared to hold (null: undeclared).
   */
  record Content(
      List<InformationCategory> consented,
      List<InformationCategory> declared,
      List<InformationCategory> narrative) {}

  static final Content DEFAULT_CONTENT =
      new Content(
          null,
          List.of(InformationCategory.DEMOGRAPHICS, InformationCategory.SOCIAL_NEEDS),
          List.of(InformationCategory.SOCIAL_NEEDS));

  /** Consents of several scopes, and the fields an every-field provider must get under each. */
  enum Scope {
    SOCIAL_NEEDS_ONLY_WITH_AN_UNDECLARED_NARRATIVE(
        List.of(InformationCategory.SOCIAL_NEEDS), null, Set.of("needs")),
    DEMOGRAPHICS_AND_CONTACT_WITHOUT_SOCIAL_NEEDS(
        List.of(InformationCategory.DEMOGRAPHICS, InformationCategory.CONTACT_DETAILS),
        List.of(InformationCategory.SOCIAL_NEEDS),
        Set.of(
            "givenName",
            "familyName",
            "birthDate",
            "identifiers",
            "preferredLanguage",
            "phone",
            "email",
            "address")),
    DEMOGRAPHICS_AND_SOCIAL_NEEDS_WITH_A_DECLARED_NARRATIVE(
        List.of(InformationCategory.DEMOGRAPHICS, InformationCategory.SOCIAL_NEEDS),
        List.of(InformationCategory.SOCIAL_NEEDS),
        Set.of(
            "givenName",
            "familyName",
            "birthDate",
            "identifiers",
            "preferredLanguage",
            "needs",
            "narrative")),
    EVERY_CATEGORY_UNDER_PART_2_WITH_AN_UNDECLARED_NARRATIVE(
        List.of(InformationCategory.values()), null, CANARY_BY_FIELD.keySet());

    final List<InformationCategory> consented;
    final List<InformationCategory> narrative;
    final Set<String> reaches;

    Scope(
        List<InformationCategory> consented,
        List<InformationCategory> narrative,
        Set<String> reaches) {
      this.consented = consented;
      this.narrative = narrative;
      this.reaches = reaches;
    }

    /** The referral declares what the consent covers: the consent is what limits. */
    Content content() {
      return new Content(consented, consented, narrative);
    }

    Set<String> reaches() {
      return reaches;
    }
  }

  /** Every field's canary is in {@code stored} exactly when the field was to reach the provider. */
  static void assertOnlyTheseFieldsReachedTheProvider(String stored, Set<String> fields) {
    CANARY_BY_FIELD.forEach(
        (field, canary) -> {
          if (fields.contains(field)) {
            assertThat(stored).as(field + " is consented and allow-listed").contains(canary);
          } else {
            assertThat(stored).as(field + " is outside the consent").doesNotContain(canary);
          }
        });
  }

  static String submit(
      String referralId, String providerId, Instant respondBy, ConsentTiming timing) {
    return submit(referralId, providerId, respondBy, timing, DEFAULT_CONTENT);
  }

  static String submit(
      String referralId,
      String providerId,
      Instant respondBy,
      ConsentTiming timing,
      Content content) {
    String consentId = "cns-" + UUID.randomUUID();
    String pseudonym = "cl-" + UUID.randomUUID();
    Instant now = Instant.now();
    ConsentRecorded sample = SampleEvents.consentRecorded(consentId);
    ConsentDetails.Builder scoped = ConsentDetails.newBuilder(sample.getConsent());
    if (content.consented() != null) {
      scoped
          .setInformationCategories(content.consented())
          .setPart2(content.consented().contains(InformationCategory.SUBSTANCE_USE_DISORDER));
    }
    ConsentDetails details =
        scoped
            .setClientPseudonym(pseudonym)
            .setRecipients(
                ConsentRecipients.newBuilder().setProviderIds(List.of(providerId)).build())
            .setEffectiveFrom(now.minus(Duration.ofDays(1)))
            .setExpiresAt(now.plus(Duration.ofDays(30)))
            .build();
    ConsentRecorded recorded = ConsentRecorded.newBuilder(sample).setConsent(details).build();
    CONSENTS.put(referralId, recorded);
    if (timing == ConsentTiming.FIRST || timing == ConsentTiming.REVOKED_FIRST) {
      ExchangeInfrastructure.publish(Topics.CONSENT_EVENTS, consentId, recorded);
    }
    if (timing == ConsentTiming.REVOKED_FIRST) {
      ExchangeInfrastructure.publish(
          Topics.CONSENT_EVENTS,
          consentId,
          ConsentRevoked.newBuilder()
              .setEventId(UUID.randomUUID())
              .setOccurredAt(now)
              .setConsent(details)
              .setRevokedAt(now)
              .setRevokedBy(sample.getRecordedBy())
              .build());
    }
    EnvelopeCipher cipher = EnvelopeCipher.fromKeysetJson(ExchangeInfrastructure.KEYSET);
    ClientIdentity identity =
        ClientIdentity.newBuilder()
            .setGivenName("Zebulon-Canary")
            .setFamilyName("Quixote-Canary")
            .setBirthDate(LocalDate.of(1980, 2, 29))
            .setPhone("+15555550199")
            .setEmail("canary.client@example.org")
            .setAddress(
                org.referralexchange.events.v1.Address.newBuilder()
                    .setLines(List.of("77 Canary Lane"))
                    .setCity("Springfield")
                    .setPostalCode("62701")
                    .build())
            .setPreferredLanguage("x-canary-lang")
            .setIdentifiers(
                List.of(
                    Identifier.newBuilder()
                        .setSystem("urn:mrn")
                        .setValue("MRN-CANARY-4471")
                        .build()))
            .build();
    ReferralSubmitted referral =
        ReferralSubmitted.newBuilder(SampleEvents.referralSubmitted(referralId))
            .setEventId(UUID.randomUUID())
            .setOccurredAt(now)
            .setTarget(
                ServiceTarget.newBuilder().setProviderId(providerId).setServiceId("svc").build())
            .setRespondBy(respondBy)
            .setConsent(
                ConsentReference.newBuilder()
                    .setConsentId(consentId)
                    .setInformationCategories(content.declared())
                    .setNarrativeCategories(content.narrative())
                    .setPurpose("COC")
                    .build())
            .setClient(
                ClientBlock.newBuilder()
                    .setClientPseudonym(pseudonym)
                    .setIdentity(cipher.seal(identity, referralId))
                    .build())
            .setNarrative(
                cipher.seal(
                    ReferralNarrative.newBuilder()
                        .setNeedsDescription("canary needs narrative")
                        .build(),
                    referralId))
            .build();
    ExchangeInfrastructure.publish(Topics.REFERRAL_SUBMITTED, referralId, referral);
    if (timing == ConsentTiming.AFTER_REFERRAL) {
      try {
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      ExchangeInfrastructure.publish(Topics.CONSENT_EVENTS, consentId, recorded);
    }
    return referralId;
  }

  /**
   * What the gateway publishes when a client revokes: the revocation alone. Cancelling the open
   * referrals under it is the adapter's part, driven by this event.
   */
  static void revokeAsTheGatewayDoes(String referralId, Instant at) {
    ConsentRecorded recorded = CONSENTS.get(referralId);
    ExchangeInfrastructure.publish(
        Topics.CONSENT_EVENTS,
        recorded.getConsent().getConsentId(),
        ConsentRevoked.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(at)
            .setConsent(recorded.getConsent())
            .setRevokedAt(at)
            .setRevokedBy(recorded.getRecordedBy())
            .build());
  }

  /** What the gateway publishes when an agency records that the consent's expiry event happened. */
  static void expiryEventAsTheGatewayRecordsIt(String referralId, Instant at) {
    ConsentRecorded recorded = CONSENTS.get(referralId);
    ExchangeInfrastructure.publish(
        Topics.CONSENT_EVENTS,
        recorded.getConsent().getConsentId(),
        ConsentExpired.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(at)
            .setConsent(recorded.getConsent())
            .setExpiredAt(at)
            .setRecordedBy(recorded.getRecordedBy())
            .build());
  }

  /** The withdrawals the food provider received for one referral. */
  static List<LoggedRequest> withdrawalsAtFood(String referralId) {
    return FOOD.findAll(
        postRequestedFor(urlEqualTo("/food"))
            .withRequestBody(matchingJsonPath("$.type", equalTo("referral.withdrawn")))
            .withRequestBody(matchingJsonPath("$.referralId", equalTo(referralId))));
  }

  int callback(String providerId, String body) throws Exception {
    return callback(port, providerId, body);
  }

  /** Posts a status update signed as the provider would, to the adapter on {@code port}. */
  static int callback(int port, String providerId, String body) throws Exception {
    String id = "msg-" + UUID.randomUUID();
    long timestamp = Instant.now().getEpochSecond();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/providers/" + providerId + "/status"))
            .header("Content-Type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", Long.toString(timestamp))
            .header("webhook-signature", StandardWebhooks.sign(id, timestamp, body, SECRET))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return HttpClient.newHttpClient()
        .send(request, HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  static <T extends SpecificRecord> T awaitEvent(String topic, String key, Class<T> type) {
    return awaitFirst(
        key,
        () ->
            ExchangeInfrastructure.events(topic, key).stream()
                .filter(type::isInstance)
                .map(type::cast)
                .findFirst());
  }

  /**
   * Waits for what {@code find} finds; on a timeout the failure tells what the log holds about the
   * referral, so a failure on a loaded CI machine says where the referral stopped.
   */
  static <T> T awaitFirst(String referralId, Callable<Optional<T>> find) {
    try {
      return await().atMost(Duration.ofSeconds(45)).until(find, Optional::isPresent).get();
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "; the log holds: " + story(referralId), e);
    }
  }

  /** The referral's events on the topics the adapter writes, without client data. */
  static String story(String referralId) {
    List<String> seen = new ArrayList<>();
    for (TopicSpec topic :
        List.of(
            Topics.REFERRAL_DELIVERED, Topics.REFERRAL_STATUS_CHANGED, Topics.REFERRAL_OVERDUE)) {
      for (SpecificRecord event : ExchangeInfrastructure.events(topic.name(), referralId)) {
        String detail = "";
        if (event instanceof ReferralStatusChanged changed) {
          detail =
              changed.getStatus()
                  + (changed.getReason() == null ? "" : " " + changed.getReason().getCode());
        } else if (event instanceof ReferralOverdue overdue) {
          detail = overdue.getStage().toString();
        }
        seen.add(event.getSchema().getName() + (detail.isEmpty() ? "" : "(" + detail + ")"));
      }
    }
    return seen.isEmpty() ? "nothing from the adapter" : String.join(", ", seen);
  }

  static List<ReferralStatusChanged> statuses(String referralId) {
    return ExchangeInfrastructure.events(Topics.REFERRAL_STATUS_CHANGED.name(), referralId).stream()
        .map(ReferralStatusChanged.class::cast)
        .toList();
  }

  /** The referral deliveries the food provider received for one referral, repeats included. */
  static List<LoggedRequest> deliveriesToFood(String referralId) {
    return FOOD.findAll(
        postRequestedFor(urlEqualTo("/food"))
            .withRequestBody(matchingJsonPath("$.referral.referralId", equalTo(referralId))));
  }

  static ReferralStatusChanged awaitStatus(String referralId, ReferralStatus status) {
    return awaitFirst(
        referralId,
        () -> statuses(referralId).stream().filter(s -> s.getStatus() == status).findFirst());
  }

  static ReferralOverdue awaitOverdue(String referralId, OverdueStage stage) {
    return awaitFirst(
        referralId,
        () ->
            ExchangeInfrastructure.events(Topics.REFERRAL_OVERDUE.name(), referralId).stream()
                .map(ReferralOverdue.class::cast)
                .filter(o -> o.getStage() == stage)
                .findFirst());
  }
}
