package org.referralexchange.adapter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.adapter.directory.DirectoryPublisher;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.events.v1.ServiceTarget;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.referralexchange.testing.ProviderDirectoryRecords;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The adapter lists its providers on the directory (once: a restart adds nothing) and fails, once,
 * a referral to a provider no adapter serves; one another adapter serves is left to it.
 */
class ProviderDirectoryPublishingTests {

  static ConfigurableApplicationContext adapter(String group, String providerId) {
    String p = "--adapter.providers[0].";
    return new SpringApplicationBuilder(AgencyAdapterApplication.class)
        .run(
            AdapterArguments.webhookProvider(
                group,
                providerId,
                "http://127.0.0.1:9/unused",
                "P2D",
                // Judged unserved a second after submission, not after the default two minutes.
                "--adapter.delivery.consent-wait=PT1S",
                p + "services[0].id=intake",
                p + "services[0].name=Intake visit"));
  }

  static List<SpecificRecord> entries(String providerId) {
    return ExchangeInfrastructure.events(Topics.PROVIDER_DIRECTORY.name(), providerId);
  }

  static List<ReferralStatusChanged> statusChanges(String referralId) {
    return ExchangeInfrastructure.events(Topics.REFERRAL_STATUS_CHANGED.name(), referralId).stream()
        .map(ReferralStatusChanged.class::cast)
        .toList();
  }

  static ReferralSubmitted referralTo(String providerId) {
    String referralId = "ref-" + UUID.randomUUID();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    ReferralSubmitted sample = SampleEvents.referralSubmitted(referralId);
    return ReferralSubmitted.newBuilder(sample)
        .setOccurredAt(now)
        .setRespondBy(now.plus(Duration.ofDays(2)))
        .setTarget(
            ServiceTarget.newBuilder(sample.getTarget())
                .setProviderId(providerId)
                .setServiceId("intake")
                .build())
        .build();
  }

  @Test
  void listsItsProvidersOnceAndARestartPublishesNothingNew() {
    String group = "directory-" + UUID.randomUUID();
    String providerId = "listed-" + UUID.randomUUID().toString().substring(0, 8);
    try (ConfigurableApplicationContext first = adapter(group, providerId)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> first.getBean(DirectoryPublisher.class).published());
    }
    List<SpecificRecord> listed = entries(providerId);
    assertThat(listed).hasSize(1);
    ProviderListed entry = (ProviderListed) listed.get(0);
    assertThat(entry.getServed()).isTrue();
    assertThat(entry.getAdapterId()).isEqualTo(group);
    assertThat(entry.getName()).isEqualTo(providerId + " provider");
    assertThat(entry.getServices())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getId()).isEqualTo("intake");
              assertThat(s.getName()).isEqualTo("Intake visit");
            });

    try (ConfigurableApplicationContext second = adapter(group, providerId)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> second.getBean(DirectoryPublisher.class).published());
    }
    assertThat(entries(providerId)).hasSize(1);
  }

  @Test
  void failsAReferralNoAdapterServesOnceAndLeavesAnotherAdaptersReferralAlone() {
    String group = "unserved-" + UUID.randomUUID();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String elsewhere = "elsewhere-" + suffix;
    ProviderDirectoryRecords.publish(
        ProviderDirectoryRecords.served(
            elsewhere, "Elsewhere", List.of("food"), Map.of("intake", "Intake visit")));
    ReferralSubmitted unserved = referralTo("lakeside-" + suffix);
    ReferralSubmitted theirs = referralTo(elsewhere);
    ExchangeInfrastructure.publish(Topics.REFERRAL_SUBMITTED, unserved.getReferralId(), unserved);
    ExchangeInfrastructure.publish(Topics.REFERRAL_SUBMITTED, theirs.getReferralId(), theirs);

    try (ConfigurableApplicationContext adapter = adapter(group, "mine-" + suffix)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(statusChanges(unserved.getReferralId())).hasSize(1));
      ReferralStatusChanged failed = statusChanges(unserved.getReferralId()).get(0);
      assertThat(failed.getStatus()).isEqualTo(ReferralStatus.FAILED);
      assertThat(failed.getActor().getRole()).isEqualTo(ActorRole.EXCHANGE);
      assertThat(failed.getReason().getCode()).isEqualTo("provider-not-served");
      assertThat(
              adapter
                  .getBean(MeterRegistry.class)
                  .counter("adapter.referrals.unserved", "provider", "lakeside-" + suffix)
                  .count())
          .isEqualTo(1.0);
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(10))
          .until(() -> statusChanges(theirs.getReferralId()).isEmpty());
    }
    // Another start of the same adapter reads the failure back and fails nothing again.
    try (ConfigurableApplicationContext again = adapter(group, "mine-" + suffix)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> again.getBean(DirectoryPublisher.class).published());
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(10))
          .until(() -> statusChanges(unserved.getReferralId()).size() == 1);
      assertThat(statusChanges(theirs.getReferralId())).isEmpty();
    }
  }
}
