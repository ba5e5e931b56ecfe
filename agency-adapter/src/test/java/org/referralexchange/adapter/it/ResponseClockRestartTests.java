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
import java.util.ArrayList;
import java.util.List;
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

  static ConfigurableApplicationContext adapter(String providerUrl) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--spring.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
                "--spring.kafka.properties.schema.registry.url="
                    + ExchangeInfrastructure.registryUrl(),
                "--adapter.encryption.keyset-json=" + ExchangeInfrastructure.KEYSET,
                "--adapter.minimum-poll-interval=PT0S",
                "--adapter.tick-interval=PT0.2S"));
    String p = "--adapter.providers[0].";
    args.addAll(
        List.of(
            p + "id=clock",
            p + "name=Clock provider",
            p + "kind=webhook",
            p + "endpoint=" + providerUrl,
            p + "secret=" + AdapterFlowTests.SECRET,
            p + "allowed-fields=givenName",
            p + "service-categories=clock",
            p + "time-zone=UTC",
            p + "opens-at=00:00",
            p + "closes-at=23:59:59.999",
            p + "business-days=MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY",
            p + "response-window=P2D",
            p + "grace=PT8S",
            p + "poll-interval=PT15M",
            p + "enabled=true"));
    return new SpringApplicationBuilder(AgencyAdapterApplication.class)
        .run(args.toArray(String[]::new));
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
