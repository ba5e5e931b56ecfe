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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The adapter publishes {@code ReferralDelivered} without waiting for each ack; a referral counts
 * as delivered only once its event was acknowledged. Here the real broker refuses the event (the
 * topic's {@code max.message.bytes} is set below the size of any record batch): the referral stays
 * undelivered while it does, the adapter tries to record the delivery again without delivering
 * again, and the event is there once when the broker takes events again; the provider got the
 * referral once.
 */
class UnacknowledgedDeliveryTests {

  static final String PROVIDER = "unacked";

  static ConfigurableApplicationContext adapter(String providerUrl) {
    return new SpringApplicationBuilder(AgencyAdapterApplication.class)
        .run(
            AdapterArguments.webhookProvider(
                "unacknowledged-" + UUID.randomUUID(), PROVIDER, providerUrl, "P2D"));
  }

  /** Limits the size of a record batch on the topic, or lifts the limit with {@code null}. */
  static void limitDeliveredBatchBytes(String bytes) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ExchangeInfrastructure.bootstrapServers()))) {
      ConfigResource topic =
          new ConfigResource(ConfigResource.Type.TOPIC, Topics.REFERRAL_DELIVERED.name());
      AlterConfigOp change =
          bytes == null
              ? new AlterConfigOp(
                  new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, ""),
                  AlterConfigOp.OpType.DELETE)
              : new AlterConfigOp(
                  new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bytes),
                  AlterConfigOp.OpType.SET);
      admin.incrementalAlterConfigs(Map.of(topic, List.of(change))).all().get();
    }
  }

  static int requestsFor(WireMockServer provider, String referralId) {
    return provider
        .findAll(
            postRequestedFor(urlEqualTo("/unacked"))
                .withRequestBody(matchingJsonPath("$.referral.referralId", equalTo(referralId))))
        .size();
  }

  /** How often the adapter's ReferralDelivered for this provider was not acknowledged. */
  static double unacknowledged(ConfigurableApplicationContext adapter) {
    Counter counter =
        adapter
            .getBean(MeterRegistry.class)
            .find("adapter.deliveries")
            .tags("provider", PROVIDER, "outcome", "unacknowledged")
            .counter();
    return counter == null ? 0 : counter.count();
  }

  static long deliveredEvents(String referralId) {
    return ExchangeInfrastructure.events(Topics.REFERRAL_DELIVERED.name(), referralId).stream()
        .filter(ReferralDelivered.class::isInstance)
        .count();
  }

  @Test
  void aDeliveryWhoseEventIsNotAcknowledgedIsRecordedAgainNotDeliveredAgain() throws Exception {
    WireMockServer provider = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    provider.start();
    provider.stubFor(post(urlEqualTo("/unacked")).willReturn(aResponse().withStatus(202)));
    try (ConfigurableApplicationContext adapter = adapter(provider.baseUrl() + "/unacked")) {
      // The topic takes events: the producer knows it before the broker starts refusing.
      String first =
          AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
      AdapterFlowTests.awaitEvent(Topics.REFERRAL_DELIVERED.name(), first, ReferralDelivered.class);

      limitDeliveredBatchBytes("64");
      String referralId;
      try {
        referralId =
            AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
        // Delivered to the provider, its event refused, and refused again on the next pass.
        await().atMost(Duration.ofSeconds(60)).until(() -> unacknowledged(adapter) >= 2);
        assertThat(deliveredEvents(referralId)).isZero();
        assertThat(requestsFor(provider, referralId)).isEqualTo(1);
      } finally {
        limitDeliveredBatchBytes(null);
      }

      await().atMost(Duration.ofSeconds(45)).until(() -> deliveredEvents(referralId) == 1);
      // Recorded for good: no second delivery, no second event.
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(10))
          .until(() -> requestsFor(provider, referralId) == 1);
      assertThat(deliveredEvents(referralId)).isEqualTo(1);
      assertThat(requestsFor(provider, first)).isEqualTo(1);
    } finally {
      provider.stop();
    }
  }

  /**
   * The provider took the referral, its {@code ReferralDelivered} was refused, and the requester
   * cancelled before the broker took events again: the delivery is still recorded, so the referral
   * counts as delivered and is withdrawn at the provider, not left there.
   */
  @Test
  void aDeliveryCancelledBeforeItsEventIsRecordedIsRecordedAndWithdrawn() throws Exception {
    WireMockServer provider = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    provider.start();
    provider.stubFor(post(urlEqualTo("/unacked")).willReturn(aResponse().withStatus(202)));
    try (ConfigurableApplicationContext adapter = adapter(provider.baseUrl() + "/unacked")) {
      String referralId;
      try {
        referralId = deliveredWithItsRecordRefused(adapter, provider);
        ExchangeInfrastructure.publish(
            Topics.REFERRAL_STATUS_CHANGED, referralId, cancelledByRequester(referralId));
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.CANCELLED);
      } finally {
        limitDeliveredBatchBytes(null);
      }

      await().atMost(Duration.ofSeconds(45)).until(() -> deliveredEvents(referralId) == 1);
      await()
          .atMost(Duration.ofSeconds(45))
          .until(
              () ->
                  provider
                          .findAll(
                              postRequestedFor(urlEqualTo("/unacked"))
                                  .withRequestBody(
                                      matchingJsonPath("$.type", equalTo("referral.withdrawn")))
                                  .withRequestBody(
                                      matchingJsonPath("$.referralId", equalTo(referralId))))
                          .size()
                      == 1);
      assertThat(requestsFor(provider, referralId)).as("delivered once, never again").isEqualTo(1);
    } finally {
      provider.stop();
    }
  }

  /**
   * The provider took the referral, its {@code ReferralDelivered} never made it and the adapter
   * restarted, so nothing remembers the delivery; the provider answers while the new adapter cannot
   * reach it to deliver again. The answer proves the delivery: it is recorded (once) with the
   * status, so the log says the referral was delivered and a later cancellation reaches the
   * provider.
   */
  @Test
  void aProvidersAnswerRecordsTheDeliveryWhoseRecordWasLost() throws Exception {
    WireMockServer provider = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    provider.start();
    provider.stubFor(post(urlEqualTo("/unacked")).willReturn(aResponse().withStatus(202)));
    String referralId;
    try {
      ConfigurableApplicationContext first = adapter(provider.baseUrl() + "/unacked");
      try {
        referralId = deliveredWithItsRecordRefused(first, provider);
      } finally {
        first.close(); // what it remembered of the delivery is gone, as after a crash
        limitDeliveredBatchBytes(null);
      }
      assertThat(requestsFor(provider, referralId)).isEqualTo(1);
      assertThat(deliveredEvents(referralId)).isZero();

      provider.stubFor(post(urlEqualTo("/unacked")).willReturn(aResponse().withStatus(503)));
      try (ConfigurableApplicationContext second = adapter(provider.baseUrl() + "/unacked")) {
        await().atMost(Duration.ofSeconds(60)).until(() -> requestsFor(provider, referralId) >= 2);
        int port = Integer.parseInt(second.getEnvironment().getProperty("local.server.port"));
        String accepted =
            "{\"referralId\":\""
                + referralId
                + "\",\"status\":\"accepted\",\"occurredAt\":\""
                + Instant.now()
                + "\"}";

        assertThat(AdapterFlowTests.callback(port, PROVIDER, accepted)).isEqualTo(202);

        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.ACCEPTED);
        ReferralDelivered proven =
            AdapterFlowTests.awaitEvent(
                Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
        assertThat(proven.getProviderId()).isEqualTo(PROVIDER);
        assertThat(deliveredEvents(referralId)).isEqualTo(1);
      }
    } finally {
      provider.stop();
    }
  }

  /**
   * A referral the provider takes while the broker refuses its {@code ReferralDelivered}: after a
   * first delivery recorded as usual (so the producer knows the topic), the topic's batch size is
   * limited and left limited; the caller lifts it with {@code limitDeliveredBatchBytes(null)}.
   */
  static String deliveredWithItsRecordRefused(
      ConfigurableApplicationContext adapter, WireMockServer provider) throws Exception {
    String warmUp = AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
    AdapterFlowTests.awaitEvent(Topics.REFERRAL_DELIVERED.name(), warmUp, ReferralDelivered.class);
    double unacknowledgedBefore = unacknowledged(adapter);
    limitDeliveredBatchBytes("64");
    String referralId =
        AdapterFlowTests.submit(PROVIDER, Instant.now().plus(Duration.ofDays(2)), true);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> unacknowledged(adapter) > unacknowledgedBefore);
    assertThat(requestsFor(provider, referralId)).isEqualTo(1);
    return referralId;
  }

  static ReferralStatusChanged cancelledByRequester(String referralId) {
    return ReferralStatusChanged.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(Instant.now())
        .setReferralId(referralId)
        .setProviderId(PROVIDER)
        .setStatus(ReferralStatus.CANCELLED)
        .setReason(Reason.newBuilder().setCode("client-declined").setText("Found help").build())
        .setActor(
            Actor.newBuilder()
                .setRole(ActorRole.REQUESTER)
                .setOrganizationId(
                    SampleEvents.referralSubmitted(referralId).getReferrer().getAgencyId())
                .build())
        .build();
  }
}
