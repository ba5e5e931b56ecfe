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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.events.v1.DisclosureKind;
import org.referralexchange.events.v1.DisclosurePath;
import org.referralexchange.events.v1.DisclosureRecorded;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The accounting of disclosures against a real broker: one {@code DisclosureRecorded} per delivery
 * and per withdrawal a provider took, never a second one when the delivery's record is retried or
 * the adapter restarts, and nothing of the client's content in its bytes.
 *
 * <p>One adapter, in one consumer group, serves the class: starting a Spring context is most of
 * what a test here costs, and only a restart is the point of one. A restart test closes the running
 * adapter (what it remembered is gone, as after a crash) and starts another in the same group,
 * which then serves the tests that follow. Every adapter reads the whole log whatever its group, so
 * a test's adapter knowing earlier tests' referrals is what a fresh one would know too.
 */
class DisclosureAccountingTests {

  static final String PROVIDER = UnacknowledgedDeliveryTests.PROVIDER;

  static final String GROUP = "disclosures-" + UUID.randomUUID();

  static WireMockServer provider;

  /** The running adapter, started at first use; null between a restart's close and start. */
  private static ConfigurableApplicationContext running;

  @BeforeAll
  static void startProvider() {
    // The tests publish as the gateway would: the value schemas must be registered before the
    // first publish, not whenever the adapter's own registration gets through on a loaded box.
    ExchangeInfrastructure.createExchangeTopics();
    provider = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    provider.start();
    provider.stubFor(post(urlEqualTo("/unacked")).willReturn(aResponse().withStatus(202)));
  }

  @AfterAll
  static void stopAdapterAndProvider() {
    try {
      if (running != null) {
        running.close();
        running = null;
      }
    } finally {
      provider.stop();
    }
  }

  /** The class's adapter, started if none runs. */
  static ConfigurableApplicationContext adapter() {
    if (running == null || !running.isActive()) {
      running =
          new SpringApplicationBuilder(AgencyAdapterApplication.class)
              .run(
                  AdapterArguments.webhookProvider(
                      GROUP, PROVIDER, provider.baseUrl() + "/unacked", "P2D"));
    }
    return running;
  }

  /**
   * Closes the running adapter: nothing it remembered survives, as after a crash. The next {@link
   * #adapter()} starts another in the same group.
   */
  static void stopAdapter() {
    ConfigurableApplicationContext stopped = running;
    running = null;
    if (stopped != null) {
      stopped.close();
    }
  }

  static String pseudonymOf(String referralId) {
    return AdapterFlowTests.CONSENTS.get(referralId).getConsent().getClientPseudonym();
  }

  static List<DisclosureRecorded> disclosures(String referralId) {
    return ExchangeInfrastructure.events(Topics.CONSENT_DISCLOSURES.name(), pseudonymOf(referralId))
        .stream()
        .map(DisclosureRecorded.class::cast)
        .filter(d -> d.getReferralId().equals(referralId))
        .toList();
  }

  static long disclosuresOf(String referralId, DisclosureKind kind) {
    return disclosures(referralId).stream().filter(d -> d.getKind() == kind).count();
  }

  int withdrawalsAtProvider(String referralId) {
    return provider
        .findAll(
            postRequestedFor(urlEqualTo("/unacked"))
                .withRequestBody(matchingJsonPath("$.type", equalTo("referral.withdrawn")))
                .withRequestBody(matchingJsonPath("$.referralId", equalTo(referralId))))
        .size();
  }

  @Test
  void aDeliveryIsAccountedForOnceWithRecipientConsentCategoriesAndPath() {
    adapter();
    Instant before = Instant.now();
    String referralId =
        AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
    AdapterFlowTests.awaitEvent(
        Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);

    List<DisclosureRecorded> recorded = disclosures(referralId);
    assertThat(recorded).hasSize(1);
    DisclosureRecorded disclosure = recorded.get(0);
    var consent = AdapterFlowTests.CONSENTS.get(referralId).getConsent();
    assertThat(disclosure.getKind()).isEqualTo(DisclosureKind.DELIVERED);
    assertThat(disclosure.getPath()).isEqualTo(DisclosurePath.WEBHOOK);
    assertThat(disclosure.getProviderId()).isEqualTo(PROVIDER);
    assertThat(disclosure.getProviderName()).isEqualTo(PROVIDER + " provider");
    assertThat(disclosure.getConsentId()).isEqualTo(consent.getConsentId());
    assertThat(disclosure.getClientPseudonym()).isEqualTo(consent.getClientPseudonym());
    assertThat(disclosure.getInformationCategories())
        .containsExactly(InformationCategory.DEMOGRAPHICS, InformationCategory.SOCIAL_NEEDS);
    assertThat(disclosure.getPurpose()).isEqualTo("COC");
    assertThat(disclosure.getReasonCode()).isNull();
    assertThat(disclosure.getOccurredAt()).isAfterOrEqualTo(before.minusSeconds(1));
  }

  /**
   * A freshly started adapter's producer knows neither accounting nor delivery topic yet: the
   * {@code ReferralDelivered} chained on the disclosure's acknowledgement is sent off the
   * producer's I/O thread, so it is acknowledged at the first try instead of stalling that thread
   * until its metadata wait ran out.
   */
  @Test
  void aFreshAdaptersFirstDeliveryIsRecordedAtTheFirstTry() {
    // A new context: its producer has fetched no topic's metadata yet.
    stopAdapter();
    ConfigurableApplicationContext adapter = adapter();
    String referralId =
        AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
    AdapterFlowTests.awaitEvent(
        Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);

    assertThat(UnacknowledgedDeliveryTests.unacknowledged(adapter))
        .as("records not acknowledged")
        .isZero();
    assertThat(UnacknowledgedDeliveryTests.requestsFor(provider, referralId)).isEqualTo(1);
    assertThat(disclosuresOf(referralId, DisclosureKind.DELIVERED)).isEqualTo(1);
  }

  /**
   * The broker refuses the delivery's {@code ReferralDelivered}, so the adapter records it again
   * pass after pass; the disclosure, acknowledged the first time, is not recorded again.
   */
  @Test
  void aDeliveryWhoseRecordIsRetriedIsAccountedForOnce() throws Exception {
    ConfigurableApplicationContext adapter = adapter();
    String referralId;
    try {
      referralId = UnacknowledgedDeliveryTests.deliveredWithItsRecordRefused(adapter, provider);
      double refusedOnce = UnacknowledgedDeliveryTests.unacknowledged(adapter);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> UnacknowledgedDeliveryTests.unacknowledged(adapter) > refusedOnce);
    } finally {
      UnacknowledgedDeliveryTests.limitDeliveredBatchBytes(null);
    }
    await()
        .atMost(Duration.ofSeconds(45))
        .until(() -> UnacknowledgedDeliveryTests.deliveredEvents(referralId) == 1);
    assertThat(disclosuresOf(referralId, DisclosureKind.DELIVERED)).isEqualTo(1);
    assertThat(disclosures(referralId)).hasSize(1);
  }

  /**
   * The provider took the referral, its record was refused and the adapter restarted (what it
   * remembered is gone, as after a crash): the new adapter delivers again, which the provider takes
   * as the same delivery, and the disclosure the first adapter recorded is read back, not recorded
   * a second time.
   */
  @Test
  void aDeliveryMadeAgainAfterARestartIsNotAccountedForTwice() throws Exception {
    String referralId;
    ConfigurableApplicationContext first = adapter();
    try {
      referralId = UnacknowledgedDeliveryTests.deliveredWithItsRecordRefused(first, provider);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> disclosuresOf(referralId, DisclosureKind.DELIVERED) == 1);
    } finally {
      stopAdapter();
      UnacknowledgedDeliveryTests.limitDeliveredBatchBytes(null);
    }
    assertThat(UnacknowledgedDeliveryTests.deliveredEvents(referralId)).isZero();

    adapter(); // the restart, in the same group
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> UnacknowledgedDeliveryTests.deliveredEvents(referralId) == 1);
    assertThat(UnacknowledgedDeliveryTests.requestsFor(provider, referralId)).isEqualTo(2);
    assertThat(disclosuresOf(referralId, DisclosureKind.DELIVERED)).isEqualTo(1);
  }

  /**
   * A delivered referral the requester cancels is withdrawn at the provider and that is accounted
   * for once, with the reason's code; a restarted adapter neither withdraws it again nor records it
   * again.
   */
  @Test
  void aWithdrawalIsAccountedForOnceEvenAfterARestart() {
    String referralId;
    adapter();
    try {
      referralId = AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
      AdapterFlowTests.awaitEvent(
          Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
      ExchangeInfrastructure.publish(
          Topics.REFERRAL_STATUS_CHANGED,
          referralId,
          UnacknowledgedDeliveryTests.cancelledByRequester(referralId));
      AdapterFlowTests.awaitStatus(referralId, ReferralStatus.CANCELLED);
      await()
          .atMost(Duration.ofSeconds(45))
          .until(() -> disclosuresOf(referralId, DisclosureKind.WITHDRAWN) == 1);
      assertThat(withdrawalsAtProvider(referralId)).isEqualTo(1);
    } finally {
      stopAdapter();
    }
    DisclosureRecorded withdrawal =
        disclosures(referralId).stream()
            .filter(d -> d.getKind() == DisclosureKind.WITHDRAWN)
            .findFirst()
            .orElseThrow();
    assertThat(withdrawal.getReasonCode()).isEqualTo("client-declined");
    assertThat(withdrawal.getProviderId()).isEqualTo(PROVIDER);

    adapter(); // the restart, in the same group
    // Its log read and several ticks passed: had it withdrawn again, the provider would know.
    String marker = AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
    AdapterFlowTests.awaitEvent(Topics.REFERRAL_DELIVERED.name(), marker, ReferralDelivered.class);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> withdrawalsAtProvider(referralId) == 1);
    assertThat(disclosuresOf(referralId, DisclosureKind.WITHDRAWN)).isEqualTo(1);
    assertThat(disclosuresOf(referralId, DisclosureKind.DELIVERED)).isEqualTo(1);
  }

  /** The accounting names categories, never their content: no canary value is in its bytes. */
  @Test
  void disclosureRecordsCarryNoClientContent() {
    adapter();
    String referralId =
        AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
    await()
        .atMost(Duration.ofSeconds(45))
        .until(() -> disclosuresOf(referralId, DisclosureKind.DELIVERED) == 1);
    List<ConsumerRecord<String, byte[]>> raw =
        ExchangeInfrastructure.readAll(Topics.CONSENT_DISCLOSURES.name());
    assertThat(raw).isNotEmpty();
    for (ConsumerRecord<String, byte[]> record : raw) {
      StringBuilder bytes =
          new StringBuilder(new String(record.value(), StandardCharsets.ISO_8859_1))
              .append(record.key());
      record
          .headers()
          .forEach(h -> bytes.append(new String(h.value(), StandardCharsets.ISO_8859_1)));
      assertThat(bytes.toString())
          .doesNotContain("Zebulon-Canary")
          .doesNotContain("Quixote-Canary")
          .doesNotContain("+15555550199")
          .doesNotContain("MRN-CANARY")
          .doesNotContain("1980-02-29")
          .doesNotContain("canary needs narrative");
    }
  }
}
