package org.referralexchange.adapter.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.adapter.it.AdapterFlowTests.awaitEvent;
import static org.referralexchange.adapter.it.AdapterFlowTests.awaitStatus;
import static org.referralexchange.adapter.it.AdapterFlowTests.statuses;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * How the adapter reads what a webhook provider reports, against a real broker and over real HTTP:
 * reachable statuses are recorded with what they skipped, late callbacks are acknowledged and
 * recorded nowhere, impossible ones are refused, and a provider's words are coded and cleaned.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProviderReportsTests {

  static final String PROVIDER = "reports";
  static final WireMockServer ENDPOINT = started();

  static WireMockServer started() {
    WireMockServer server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    server.stubFor(post(urlEqualTo("/reports")).willReturn(aResponse().withStatus(202)));
    return server;
  }

  @AfterAll
  static void stopProvider() {
    ENDPOINT.stop();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) {
    properties.add("spring.kafka.bootstrap-servers", ExchangeInfrastructure::bootstrapServers);
    properties.add(
        "spring.kafka.properties.schema.registry.url", ExchangeInfrastructure::registryUrl);
    properties.add("adapter.encryption.keyset-json", () -> ExchangeInfrastructure.KEYSET);
    properties.add("exchange.kafka.ownership.group-id", () -> "provider-reports-tests");
    properties.add("adapter.tick-interval", () -> "PT0.2S");
    AdapterFlowTests.provider(
        properties, 0, PROVIDER, ENDPOINT.baseUrl() + "/reports", "PT1H", "givenName");
  }

  @LocalServerPort int port;
  @Autowired MeterRegistry meters;

  @Test
  void aCompletionReportedStraightAfterTheRequestIsRecordedWithTheAcceptanceItSkipped()
      throws Exception {
    String referralId = delivered();

    assertThat(report(referralId, "completed", Instant.now(), null)).isEqualTo(202);

    ReferralStatusChanged completed = awaitStatus(referralId, ReferralStatus.COMPLETED);
    assertThat(completed.getSkipped()).containsExactly(ReferralStatus.ACCEPTED);
    assertThat(statuses(referralId)).hasSize(1);
  }

  @Test
  void anAcceptanceCalledBackAfterTheCompletionIsAcknowledgedAndRecordsNothing() throws Exception {
    String referralId = delivered();
    Instant acceptedAt = Instant.now().minusSeconds(60);
    double supersededBefore = superseded();

    assertThat(report(referralId, "completed", Instant.now(), null)).isEqualTo(202);
    assertThat(report(referralId, "accepted", acceptedAt, null)).isEqualTo(202);

    // Both answers came after the broker acknowledged whatever was recorded.
    awaitStatus(referralId, ReferralStatus.COMPLETED);
    assertThat(statuses(referralId))
        .singleElement()
        .satisfies(
            only -> {
              assertThat(only.getStatus()).isEqualTo(ReferralStatus.COMPLETED);
              assertThat(only.getSkipped()).containsExactly(ReferralStatus.ACCEPTED);
            });
    assertThat(superseded()).isEqualTo(supersededBefore + 1);
  }

  @Test
  void anAcceptedReferralPutOnHoldIsRecordedAsOneStep() throws Exception {
    String referralId = delivered();

    assertThat(report(referralId, "accepted", Instant.now(), null)).isEqualTo(202);
    awaitStatus(referralId, ReferralStatus.ACCEPTED);
    assertThat(
            report(
                referralId,
                "on-hold",
                Instant.now(),
                "{\"code\":\"waitlist\",\"text\":\"Waitlist\"}"))
        .isEqualTo(202);

    ReferralStatusChanged onHold = awaitStatus(referralId, ReferralStatus.ON_HOLD);
    assertThat(onHold.getSkipped()).isEmpty();
    assertThat(onHold.getReason().getCode()).isEqualTo("waitlist");
    assertThat(statuses(referralId))
        .extracting(ReferralStatusChanged::getStatus)
        .containsExactly(ReferralStatus.ACCEPTED, ReferralStatus.ON_HOLD);
  }

  @Test
  void aDeclineWithOnlyTextIsRecordedCodedOtherWithTheCleanedText() throws Exception {
    String referralId = delivered();
    String words = "Program is full\\r\\nuntil March\\u0007" + "x".repeat(600);

    assertThat(report(referralId, "rejected", Instant.now(), "{\"text\":\"" + words + "\"}"))
        .isEqualTo(202);

    ReferralStatusChanged rejected = awaitStatus(referralId, ReferralStatus.REJECTED);
    assertThat(rejected.getReason().getCode()).isEqualTo("other");
    String text = rejected.getReason().getText();
    assertThat(text).startsWith("Program is full until March xxx").doesNotContain("\n", "\u0007");
    assertThat(text.codePointCount(0, text.length())).isEqualTo(500);
  }

  @Test
  void aDeclineWithNoReasonAtAllIsStillRefused() throws Exception {
    String referralId = delivered();

    assertThat(report(referralId, "rejected", Instant.now(), "{\"text\":\"  \"}")).isEqualTo(409);
    assertThat(statuses(referralId)).isEmpty();
  }

  @Test
  void aCompletedReferralReportedAsStillRequestedIsRefused() throws Exception {
    String referralId = delivered();
    assertThat(report(referralId, "completed", Instant.now(), null)).isEqualTo(202);
    awaitStatus(referralId, ReferralStatus.COMPLETED);

    // received reads as requested: nothing steps back to it from completed.
    assertThat(report(referralId, "received", Instant.now(), null)).isEqualTo(409);
    assertThat(report(referralId, "cancelled", Instant.now(), "{\"code\":\"other\"}"))
        .isEqualTo(409);
    assertThat(statuses(referralId)).hasSize(1);
  }

  @Test
  void aReceivedReportOnARequestedReferralChangesNothing() throws Exception {
    String referralId = delivered();

    assertThat(report(referralId, "received", Instant.now(), null)).isEqualTo(202);

    assertThat(statuses(referralId)).isEmpty();
  }

  // --- helpers

  private String delivered() {
    String referralId =
        AdapterFlowTests.submit(
            PROVIDER, Instant.now().plus(Duration.ofDays(2)), AdapterFlowTests.ConsentTiming.FIRST);
    awaitEvent(Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    return referralId;
  }

  private int report(String referralId, String status, Instant at, String reason) throws Exception {
    String body =
        "{\"referralId\":\""
            + referralId
            + "\",\"status\":\""
            + status
            + "\",\"occurredAt\":\""
            + at
            + "\""
            + (reason == null ? "" : ",\"reason\":" + reason)
            + "}";
    return AdapterFlowTests.callback(port, PROVIDER, body);
  }

  private double superseded() {
    Counter counter = meters.find("adapter.status.superseded").tag("provider", PROVIDER).counter();
    return counter == null ? 0 : counter.count();
  }
}
