package org.referralexchange.adapter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.demo.fhir.InMemoryFhirServer;
import org.referralexchange.events.v1.ProviderReportRefused;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Polling a real HAPI FHIR server through a real adapter and broker: one search per poll, and a
 * Task version no lifecycle path reaches reported once (one record, one count), however many polls
 * and restarts see it.
 */
class PolledRefusalTests {

  static final FhirContext FHIR = FhirContext.forR4();

  /** How many polls must see an unchanged Task before "nothing more happened" is believed. */
  static final int POLLS = 5;

  static ConfigurableApplicationContext adapter(
      String group, String providerId, InMemoryFhirServer server) {
    String p = "--adapter.providers[0].";
    return new SpringApplicationBuilder(AgencyAdapterApplication.class)
        .run(
            "--server.port=0",
            "--spring.main.banner-mode=off",
            "--spring.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
            "--spring.kafka.properties.schema.registry.url=" + ExchangeInfrastructure.registryUrl(),
            "--adapter.encryption.keyset-json=" + ExchangeInfrastructure.KEYSET,
            "--adapter.minimum-poll-interval=PT0S",
            "--adapter.tick-interval=PT0.2S",
            "--exchange.kafka.ownership.group-id=" + group,
            p + "id=" + providerId,
            p + "name=" + providerId + " provider",
            p + "kind=fhir",
            p + "endpoint=" + server.baseUrl(),
            p + "secret=",
            p + "allowed-fields=givenName",
            p + "service-categories=" + providerId,
            p + "time-zone=UTC",
            p + "opens-at=00:00",
            p + "closes-at=23:59:59.999",
            p + "business-days=MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY",
            p + "response-window=P2D",
            p + "grace=P2D",
            p + "poll-interval=PT0.3S",
            p + "enabled=true");
  }

  @Test
  void eachPollIsOneSearchWhateverTheNumberOfOpenReferrals() throws Exception {
    String providerId = "fhir-searched-" + UUID.randomUUID();
    try (InMemoryFhirServer server = InMemoryFhirServer.start(FHIR);
        ConfigurableApplicationContext adapter =
            adapter("poll-count-" + UUID.randomUUID(), providerId, server)) {
      server.pageSize(2);
      List<String> referrals =
          List.of(submit(providerId), submit(providerId), submit(providerId), submit(providerId));
      for (String referralId : referrals) {
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
      }
      int before = server.requests().size();

      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> searches(server.requests().subList(before, server.requests().size())),
              n -> n >= POLLS);

      List<String> since = server.requests().subList(before, server.requests().size());
      // Four Tasks at two per page: each poll is one search and one next page, never a read. The
      // window may cut one poll at each end: a page whose search came before it, a search whose
      // page comes after it.
      assertThat(since)
          .allMatch(r -> r.startsWith("GET /fhir/Task?") || r.startsWith("GET /fhir?_getpages="));
      long searches = searches(since);
      long pages = since.stream().filter(r -> r.startsWith("GET /fhir?_getpages=")).count();
      assertThat(pages).isBetween(searches - 1, searches + 1);
    }
  }

  @Test
  void anImpossibleTaskVersionIsReportedOnceHoweverManyPollsAndRestartsSeeIt() throws Exception {
    String providerId = "fhir-refused-" + UUID.randomUUID();
    String group = "polled-refusals-" + UUID.randomUUID();
    try (InMemoryFhirServer server = InMemoryFhirServer.start(FHIR)) {
      String referralId;
      String taskId;
      String failedVersion;
      try (ConfigurableApplicationContext first = adapter(group, providerId, server)) {
        // Still open after the restart: with nothing open and nothing seen yet, nothing is polled.
        String stillOpen = submit(providerId);
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), stillOpen, ReferralDelivered.class);
        referralId = submit(providerId);
        ReferralDelivered delivered =
            AdapterFlowTests.awaitEvent(
                Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
        taskId = delivered.getProviderReference().substring("Task/".length());
        server.providerChangesTask(taskId, task -> task.setStatus(Task.TaskStatus.ACCEPTED));
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.ACCEPTED);
        server.providerChangesTask(taskId, task -> task.setStatus(Task.TaskStatus.COMPLETED));
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.COMPLETED);

        // A terminal status changing: no path of the lifecycle leads from completed to failed.
        server.providerChangesTask(
            taskId,
            task ->
                task.setStatus(Task.TaskStatus.FAILED)
                    .setStatusReason(reason("could-not-contact", "Jane Canary never came")));
        failedVersion = server.read(Task.class, taskId).getMeta().getVersionId();
        awaitRefusals(referralId, 1);
        awaitMorePolls(server);

        List<ProviderReportRefused> refusals = refusals(referralId);
        assertThat(refusals).hasSize(1);
        ProviderReportRefused refused = refusals.get(0);
        assertThat(refused.getProviderId()).isEqualTo(providerId);
        assertThat(refused.getProviderReference()).isEqualTo("Task/" + taskId);
        assertThat(refused.getReportedStatus()).isEqualTo(ReferralStatus.FAILED);
        assertThat(refused.getCurrentStatus()).isEqualTo(ReferralStatus.COMPLETED);
        assertThat(refused.getSourceVersion()).isEqualTo(failedVersion);
        assertThat(refused.toString()).doesNotContain("Canary");
        assertThat(refusalsCounted(first, providerId)).isEqualTo(1.0);
        assertThat(reasonTags(first, providerId)).containsExactly(refused.getPolicy());
        assertThat(AdapterFlowTests.statuses(referralId))
            .extracting(s -> s.getStatus())
            .containsExactly(ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED);
      }

      try (ConfigurableApplicationContext second = adapter(group, providerId, server)) {
        awaitMorePolls(server);
        assertThat(refusals(referralId)).as("not reported again after a restart").hasSize(1);
        assertThat(refusalsCounted(second, providerId)).isZero();

        server.providerChangesTask(
            taskId,
            task ->
                task.setStatus(Task.TaskStatus.REJECTED)
                    .setStatusReason(reason("not-eligible", "Not eligible")));
        String rejectedVersion = server.read(Task.class, taskId).getMeta().getVersionId();
        awaitRefusals(referralId, 2);
        awaitMorePolls(server);

        List<ProviderReportRefused> refusals = refusals(referralId);
        assertThat(refusals)
            .extracting(
                ProviderReportRefused::getReportedStatus, ProviderReportRefused::getSourceVersion)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(ReferralStatus.FAILED, failedVersion),
                org.assertj.core.groups.Tuple.tuple(ReferralStatus.REJECTED, rejectedVersion));
        assertThat(refusalsCounted(second, providerId)).isEqualTo(1.0);
      }
    }
  }

  private static String submit(String providerId) {
    return AdapterFlowTests.submit(providerId, Instant.now().plus(Duration.ofDays(2)), true);
  }

  private static CodeableConcept reason(String code, String text) {
    return new CodeableConcept()
        .addCoding(new Coding("urn:provider:reasons", code, null))
        .setText(text);
  }

  private static long searches(List<String> requests) {
    return requests.stream().filter(r -> r.startsWith("GET /fhir/Task?")).count();
  }

  /** Waits until the adapter has searched {@link #POLLS} more times. */
  private static void awaitMorePolls(InMemoryFhirServer server) {
    long before = searches(server.requests());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> searches(server.requests()) >= before + POLLS);
  }

  private static List<ProviderReportRefused> refusals(String referralId) {
    return ExchangeInfrastructure.events(Topics.REFERRAL_REPORT_REFUSED.name(), referralId).stream()
        .map(ProviderReportRefused.class::cast)
        .toList();
  }

  private static void awaitRefusals(String referralId, int count) {
    await().atMost(Duration.ofSeconds(60)).until(() -> refusals(referralId).size() >= count);
  }

  private static double refusalsCounted(ConfigurableApplicationContext adapter, String providerId) {
    return adapter
        .getBean(MeterRegistry.class)
        .find("adapter.status.refusals")
        .tag("provider", providerId)
        .counters()
        .stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private static List<String> reasonTags(
      ConfigurableApplicationContext adapter, String providerId) {
    return adapter
        .getBean(MeterRegistry.class)
        .find("adapter.status.refusals")
        .tag("provider", providerId)
        .counters()
        .stream()
        .map(c -> c.getId().getTag("reason"))
        .toList();
  }
}
