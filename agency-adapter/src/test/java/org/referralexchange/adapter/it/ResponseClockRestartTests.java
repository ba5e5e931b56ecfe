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
import java.time.Instant;
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

  static ConfigurableApplicationContext adapter(String providerUrl) {
    return new SpringApplicationBuilder(AgencyAdapterApplication.class)
        .run(AdapterArguments.webhookProvider(GROUP, "clock", providerUrl, "PT8S"));
  }

  /**
   * respondBy leaves time for delivery on a busy machine: a referral never delivered is not
   * reminded.
   */
  @Test
  void reminderIsNotRepeatedAndReturnStillComesAfterARestart() {
    WireMockServer provider = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    provider.start();
    provider.stubFor(post(urlEqualTo("/clock")).willReturn(aResponse().withStatus(202)));
    try {
      String referralId;
      try (ConfigurableApplicationContext first = adapter(provider.baseUrl() + "/clock")) {
        referralId = AdapterFlowTests.submit("clock", Instant.now().plusSeconds(10), true);
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
        AdapterFlowTests.awaitOverdue(referralId, OverdueStage.REMINDER);
      }
      try (ConfigurableApplicationContext second = adapter(provider.baseUrl() + "/clock")) {
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
