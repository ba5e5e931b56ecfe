package org.referralexchange.adapter.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The response clock's state is the log: a restarted adapter neither repeats nor forgets. */
class ResponseClockRestartTests {

  /** Its own group: the restarted adapter takes every partition at once. */
  static final String GROUP = "response-clock-" + java.util.UUID.randomUUID();

  /** Both adapters run on the test's clock, moved past the deadlines instead of waiting. */
  static ConfigurableApplicationContext adapter(String providerUrl) {
    return new SpringApplicationBuilder(
            AgencyAdapterApplication.class, AdapterFlowTests.TestClock.class)
        .run(AdapterArguments.webhookProvider(GROUP, "clock", providerUrl, "PT1H"));
  }

  @AfterEach
  void clockBackToRealTime() {
    AdapterFlowTests.CLOCK.reset();
  }

  /**
   * The first adapter delivers and, once the clock is past respondBy, reminds; the second, started
   * within the grace hour, does not remind again, and returns the referral once the clock is past
   * the grace.
   */
  @Test
  void reminderIsNotRepeatedAndReturnStillComesAfterARestart() {
    WireMockServer provider = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    provider.start();
    provider.stubFor(post(urlEqualTo("/clock")).willReturn(aResponse().withStatus(202)));
    try {
      String referralId;
      try (ConfigurableApplicationContext first = adapter(provider.baseUrl() + "/clock")) {
        referralId =
            AdapterFlowTests.submit("clock", Instant.now().plus(Duration.ofHours(1)), true);
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
        AdapterFlowTests.CLOCK.advance(Duration.ofHours(1)); // past respondBy, within the grace
        AdapterFlowTests.awaitOverdue(referralId, OverdueStage.REMINDER);
      }
      try (ConfigurableApplicationContext second = adapter(provider.baseUrl() + "/clock")) {
        AdapterFlowTests.CLOCK.advance(Duration.ofHours(1)); // past the grace
        AdapterFlowTests.awaitOverdue(referralId, OverdueStage.RETURNED);
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.FAILED);
      }

      assertThat(ExchangeInfrastructure.events(Topics.REFERRAL_OVERDUE.name(), referralId))
          .hasSize(2);
      assertThat(
              provider.findAll(
                  postRequestedFor(urlEqualTo("/clock"))
                      .withRequestBody(matchingJsonPath("$.type", equalTo("referral.reminder")))
                      .withRequestBody(matchingJsonPath("$.referralId", equalTo(referralId)))))
          .hasSize(1);
      assertThat(
              provider.findAll(
                  postRequestedFor(urlEqualTo("/clock"))
                      .withRequestBody(matchingJsonPath("$.type", equalTo("referral.requested")))
                      .withRequestBody(
                          matchingJsonPath("$.referral.referralId", equalTo(referralId)))))
          .as("delivered once, not again after the restart")
          .hasSize(1);
    } finally {
      provider.stop();
    }
  }
}
