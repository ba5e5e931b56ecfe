package org.referralexchange.adapter.provider.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.webhooks.StandardWebhooks;
import org.referralexchange.webhooks.StandardWebhooks.Verified;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WebhookProviderAdapterTests {

  private static final Instant NOW = Instant.parse("2025-03-03T14:00:00Z");
  private static final String SECRET =
      "whsec_"
          + Base64.getEncoder()
              .encodeToString("food-bank-signing-secret-32-bytes".getBytes(StandardCharsets.UTF_8));
  private static final String PATH = "/hooks/exchange";

  private final JsonMapper json = JsonMapper.builder().build();
  private final WireMockServer server = new WireMockServer(options().dynamicPort());
  private WebhookProviderAdapter adapter;

  @BeforeEach
  void start() {
    server.start();
    // Room for a freshly started WireMock's first answer on a loaded box (one took over 5 s with
    // the module's other test JVM and other builds beside it); the timeout itself is tested with
    // an impatient adapter of its own.
    adapter = adapterWithRequestTimeout(Duration.ofSeconds(30));
  }

  private static WebhookProviderAdapter adapterWithRequestTimeout(Duration timeout) {
    return new WebhookProviderAdapter(
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build(),
        timeout,
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  @Test
  void kindIsWebhook() {
    assertThat(adapter.kind()).isEqualTo("webhook");
  }

  @Test
  void deliverPostsASignedReferralWithTheThreeHeaders() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(202)));

    adapter.deliver(provider(Set.of("pseudonym")), referral());

    LoggedRequest request = onlyRequest();
    assertThat(request.getHeader("webhook-id")).isEqualTo("referral-ref-42");
    assertThat(request.getHeader("webhook-timestamp"))
        .isEqualTo(Long.toString(NOW.getEpochSecond()));
    assertThat(request.getHeader("webhook-signature")).startsWith("v1,");
    assertThat(request.getHeader("Content-Type")).startsWith("application/json");
    assertThat(verifyAsProvider(request)).isInstanceOf(Verified.class);
  }

  @Test
  void theSignatureDoesNotVerifyUnderAnotherSecret() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(202)));

    adapter.deliver(provider(Set.of()), referral());

    LoggedRequest request = onlyRequest();
    assertThat(
            StandardWebhooks.verify(
                headersOf(request),
                request.getBody(),
                "whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                NOW))
        .isEqualTo(new StandardWebhooks.Rejected(StandardWebhooks.Reason.BAD_SIGNATURE));
  }

  @Test
  void deliverSendsOnlyAllowListedNonNullClientFields() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(200)));
    // city is allowed but null; familyName is set but not allowed (a slip upstream).
    Set<String> allowed = Set.of("givenName", "birthDate", "city", "addressLines");

    adapter.deliver(provider(allowed), referral());

    JsonNode body = json.readTree(onlyRequest().getBodyAsString());
    assertThat(body.path("type").stringValue()).isEqualTo("referral.requested");
    JsonNode client = body.path("referral").path("client");
    assertThat(fieldNames(client)).containsExactlyInAnyOrder("pseudonym", "givenName", "birthDate");
    assertThat(client.path("pseudonym").stringValue()).isEqualTo("p-7f3a");
    assertThat(client.path("givenName").stringValue()).isEqualTo("Ana");
    assertThat(client.path("birthDate").stringValue()).isEqualTo("1990-04-19");
    assertThat(body.path("referral").has("narrative")).as("narrative not allow-listed").isFalse();
  }

  @Test
  void deliverSendsTheAddressPartsWhenTheAllowListNamesTheAddress() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(200)));
    OutboundReferral.Client housed =
        new OutboundReferral.Client(
            "p-7f3a",
            null,
            "Lopez",
            null,
            null,
            null,
            List.of("1 Main St"),
            "Springfield",
            "IL",
            "62701",
            List.of("mrn|123"),
            "es");

    adapter.deliver(provider(Set.of("address")), referral(housed));

    JsonNode client =
        json.readTree(onlyRequest().getBodyAsString()).path("referral").path("client");
    assertThat(fieldNames(client))
        .containsExactlyInAnyOrder("pseudonym", "addressLines", "city", "state", "postalCode");
    assertThat(client.path("addressLines").get(0).stringValue()).isEqualTo("1 Main St");
  }

  @Test
  void deliverWritesTheReferralFieldsAndLeavesNullsOut() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(200)));

    adapter.deliver(provider(Set.of("narrative")), referral());

    JsonNode referral = json.readTree(onlyRequest().getBodyAsString()).path("referral");
    assertThat(referral.path("referralId").stringValue()).isEqualTo("ref-42");
    assertThat(referral.path("providerId").stringValue()).isEqualTo("food-bank");
    assertThat(referral.path("serviceId").stringValue()).isEqualTo("svc-pantry");
    assertThat(referral.path("priority").stringValue()).isEqualTo("URGENT");
    assertThat(referral.path("authoredOn").stringValue()).isEqualTo("2025-03-03T13:00:00Z");
    assertThat(referral.path("respondBy").stringValue()).isEqualTo("2025-03-05T17:00:00Z");
    assertThat(referral.path("requester").path("agencyName").stringValue()).isEqualTo("Clinic");
    assertThat(referral.path("requester").has("caseManagerEmail")).isFalse();
    assertThat(referral.path("needs").get(0).path("code").stringValue())
        .isEqualTo("food-insecurity");
    assertThat(referral.path("needs").get(0).has("display")).isFalse();
    assertThat(referral.path("narrative").path("needsDescription").stringValue())
        .isEqualTo("Needs groceries");
    assertThat(referral.path("narrative").has("goals")).isFalse();
    assertThat(referral.path("contactingSubjectProhibited").booleanValue()).isTrue();
    assertThat(referral.path("consentId").stringValue()).isEqualTo("consent-7");
    assertThat(fieldNames(referral.path("client"))).containsExactly("pseudonym");
  }

  @Test
  void deliverReturnsTheProvidersReferenceWhenItAnswersWithOne() {
    server.stubFor(
        post(PATH)
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"reference\":\"FB-1001\"}")));

    DeliveryReceipt receipt = adapter.deliver(provider(Set.of()), referral());

    assertThat(receipt.providerReference()).isEqualTo("FB-1001");
  }

  @Test
  void deliverFallsBackToTheReferralIdWithoutAReference() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(200).withBody("ok")));

    DeliveryReceipt receipt = adapter.deliver(provider(Set.of()), referral());

    assertThat(receipt.providerReference()).isEqualTo("ref-42");
  }

  @Test
  void redeliveryCarriesTheSameWebhookIdAndBody() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(200)));

    adapter.deliver(provider(Set.of()), referral());
    adapter.deliver(provider(Set.of()), referral());

    List<LoggedRequest> requests = server.findAll(postRequestedFor(urlEqualTo(PATH)));
    assertThat(requests).hasSize(2);
    assertThat(requests.get(1).getHeader("webhook-id"))
        .isEqualTo(requests.get(0).getHeader("webhook-id"));
    assertThat(requests.get(1).getBodyAsString()).isEqualTo(requests.get(0).getBodyAsString());
  }

  @Test
  void serverErrorIsUnavailableAndTheMessageHoldsNoBody() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(500).withBody("stack trace here")));

    assertThatThrownBy(() -> adapter.deliver(provider(Set.of("givenName")), referral()))
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("500")
        .hasMessageNotContaining("Ana")
        .hasMessageNotContaining("stack trace");
  }

  @Test
  void tooManyRequestsIsUnavailable() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(429)));

    assertThatThrownBy(() -> adapter.deliver(provider(Set.of()), referral()))
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("429");
  }

  @Test
  void badRequestIsRejectedAndTheMessageHoldsNoBody() {
    server.stubFor(
        post(PATH).willReturn(aResponse().withStatus(400).withBody("givenName Ana is invalid")));

    assertThatThrownBy(() -> adapter.deliver(provider(Set.of("givenName")), referral()))
        .isInstanceOf(ProviderRejectedException.class)
        .hasMessageContaining("400")
        .hasMessageNotContaining("Ana");
  }

  @Test
  void connectionRefusedIsUnavailable() {
    ProviderSettings provider = provider(Set.of());
    server.stop(); // nothing listens on the port any more

    assertThatThrownBy(() -> adapter.deliver(provider, referral()))
        .isInstanceOf(ProviderUnavailableException.class);
  }

  @Test
  void aSlowProviderTimesOutAsUnavailable() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));
    WebhookProviderAdapter impatient = adapterWithRequestTimeout(Duration.ofMillis(300));

    assertThatThrownBy(() -> impatient.deliver(provider(Set.of()), referral()))
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("HttpTimeoutException");
  }

  @Test
  void withdrawPostsASignedWithdrawal() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(204)));

    adapter.withdraw(
        provider(Set.of()),
        new TrackedReferral("ref-42", "FB-1001"),
        "consent-revoked",
        "The client revoked consent");

    LoggedRequest request = onlyRequest();
    assertThat(request.getHeader("webhook-id")).isEqualTo("withdrawn-ref-42");
    assertThat(verifyAsProvider(request)).isInstanceOf(Verified.class);
    JsonNode body = json.readTree(request.getBodyAsString());
    assertThat(body.path("type").stringValue()).isEqualTo("referral.withdrawn");
    assertThat(body.path("referralId").stringValue()).isEqualTo("ref-42");
    assertThat(body.path("providerReference").stringValue()).isEqualTo("FB-1001");
    assertThat(body.path("reason").path("code").stringValue()).isEqualTo("consent-revoked");
    assertThat(body.path("reason").path("text").stringValue())
        .isEqualTo("The client revoked consent");
  }

  @Test
  void remindPostsASignedReminderWithAnIdPerDueTime() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(200)));
    Instant respondBy = Instant.parse("2025-03-05T17:00:00Z");

    adapter.remind(provider(Set.of()), new TrackedReferral("ref-42", "FB-1001"), respondBy);

    LoggedRequest request = onlyRequest();
    assertThat(request.getHeader("webhook-id"))
        .isEqualTo("reminder-ref-42-" + respondBy.getEpochSecond());
    assertThat(verifyAsProvider(request)).isInstanceOf(Verified.class);
    JsonNode body = json.readTree(request.getBodyAsString());
    assertThat(body.path("type").stringValue()).isEqualTo("referral.reminder");
    assertThat(body.path("referralId").stringValue()).isEqualTo("ref-42");
    assertThat(body.path("respondBy").stringValue()).isEqualTo("2025-03-05T17:00:00Z");
  }

  @Test
  void withdrawFailuresAreClassifiedLikeDeliveries() {
    server.stubFor(post(PATH).willReturn(aResponse().withStatus(503)));
    TrackedReferral tracked = new TrackedReferral("ref-42", "FB-1001");

    assertThatThrownBy(() -> adapter.withdraw(provider(Set.of()), tracked, "duplicate", "dup"))
        .isInstanceOf(ProviderUnavailableException.class);

    server.stubFor(post(PATH).willReturn(aResponse().withStatus(410)));
    assertThatThrownBy(() -> adapter.remind(provider(Set.of()), tracked, NOW))
        .isInstanceOf(ProviderRejectedException.class);
  }

  @Test
  void pollAsksNothing() {
    assertThat(adapter.poll(provider(Set.of()), List.of(new TrackedReferral("ref-42", "x"))))
        .isEmpty();
    assertThat(server.getAllServeEvents()).isEmpty();
  }

  private LoggedRequest onlyRequest() {
    List<LoggedRequest> requests =
        server.findAll(
            postRequestedFor(urlEqualTo(PATH))
                .withHeader("webhook-id", matching(".+"))
                .withHeader("Content-Type", equalTo("application/json")));
    assertThat(requests).hasSize(1);
    return requests.get(0);
  }

  private static StandardWebhooks.Verification verifyAsProvider(LoggedRequest request) {
    return StandardWebhooks.verify(headersOf(request), request.getBody(), SECRET, NOW);
  }

  private static Map<String, String> headersOf(LoggedRequest request) {
    return Map.of(
        "webhook-id", request.getHeader("webhook-id"),
        "webhook-timestamp", request.getHeader("webhook-timestamp"),
        "webhook-signature", request.getHeader("webhook-signature"));
  }

  private static List<String> fieldNames(JsonNode node) {
    return List.copyOf(node.propertyNames());
  }

  private ProviderSettings provider(Set<String> allowedFields) {
    return new ProviderSettings(
        "food-bank",
        "Food Bank",
        "webhook",
        URI.create(server.baseUrl() + PATH),
        SECRET,
        allowedFields,
        ZoneId.of("America/Chicago"),
        LocalTime.of(9, 0),
        LocalTime.of(17, 0),
        Duration.ofDays(2),
        Duration.ofDays(2),
        Duration.ofHours(1),
        true);
  }

  private static OutboundReferral referral() {
    return referral(
        new OutboundReferral.Client(
            "p-7f3a",
            "Ana",
            "Lopez",
            LocalDate.of(1990, 4, 19),
            null,
            null,
            List.of(),
            null,
            null,
            null,
            null,
            null));
  }

  private static OutboundReferral referral(OutboundReferral.Client client) {
    return new OutboundReferral(
        "ref-42",
        "food-bank",
        "svc-pantry",
        "URGENT",
        Instant.parse("2025-03-03T13:00:00Z"),
        Instant.parse("2025-03-05T17:00:00Z"),
        new OutboundReferral.Requester("clinic-1", "Clinic", "Case Manager", null),
        List.of(new OutboundReferral.Need("http://snomed.info/sct", "food-insecurity", null)),
        client,
        new OutboundReferral.Narrative("Needs groceries", List.of(), null),
        true,
        "consent-7");
  }
}
