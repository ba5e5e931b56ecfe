package org.referralexchange.adapter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.demo.fhir.InMemoryFhirServer;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * FHIR topic-based subscriptions through the adapter's core, against real HAPI FHIR servers and the
 * embedded broker: the adapter subscribes where the CapabilityStatement offers the Gravity Task
 * topic, a Task the provider changes reaches {@code referral.status-changed} by its notification
 * while the next poll is an hour away, a provider without subscriptions is still polled, and a
 * notification without the Subscription's secret is refused and records nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class FhirSubscriptionFlowTests {

  static final FhirContext FHIR = FhirContext.forR4();
  static final InMemoryFhirServer GRAVITY = start(true);
  static final InMemoryFhirServer PLAIN = start(false);
  static final String TOPIC = "http://hl7.org/fhir/us/sdoh-clinicalcare/SubscriptionTopic/Task";

  @LocalServerPort int port;

  static InMemoryFhirServer start(boolean subscriptions) {
    try {
      return InMemoryFhirServer.start(FHIR, 0, subscriptions);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    GRAVITY.close();
    PLAIN.close();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) {
    properties.add("spring.kafka.bootstrap-servers", ExchangeInfrastructure::bootstrapServers);
    properties.add(
        "spring.kafka.properties.schema.registry.url", ExchangeInfrastructure::registryUrl);
    properties.add("adapter.encryption.keyset-json", () -> ExchangeInfrastructure.KEYSET);
    properties.add("exchange.kafka.ownership.group-id", () -> "fhir-subscription-flow-tests");
    properties.add("adapter.minimum-poll-interval", () -> "PT0S");
    properties.add("adapter.tick-interval", () -> "PT0.2S");
    // Only a notification can explain a status seen within the test's minute.
    provider(properties, 0, "gravity-housing", GRAVITY, "PT1H");
    provider(properties, 1, "plain-housing", PLAIN, "PT1S");
  }

  static void provider(
      DynamicPropertyRegistry properties,
      int index,
      String id,
      InMemoryFhirServer server,
      String pollInterval) {
    String p = "adapter.providers[" + index + "].";
    properties.add(p + "id", () -> id);
    properties.add(p + "name", () -> id + " program");
    properties.add(p + "kind", () -> "fhir");
    properties.add(p + "endpoint", server::baseUrl);
    properties.add(p + "secret", () -> "");
    properties.add(p + "allowed-fields", () -> "givenName");
    properties.add(p + "service-categories", () -> "housing");
    properties.add(p + "time-zone", () -> "UTC");
    properties.add(p + "opens-at", () -> "00:00");
    properties.add(p + "closes-at", () -> "23:59:59.999");
    properties.add(p + "response-window", () -> "P2D");
    properties.add(p + "grace", () -> "P2D");
    properties.add(p + "poll-interval", () -> pollInterval);
    properties.add(p + "enabled", () -> "true");
  }

  @Test
  void aTaskChangedAtASubscribingProviderIsRecordedByItsNotificationWellBeforeTheNextPoll() {
    Subscription subscription = awaitSubscription();
    assertThat(subscription.getCriteria()).isEqualTo(TOPIC);
    assertThat(subscription.getChannel().getType())
        .isEqualTo(Subscription.SubscriptionChannelType.RESTHOOK);
    assertThat(subscription.getChannel().getEndpoint())
        .isEqualTo("http://127.0.0.1:" + port + "/fhir/notifications/gravity-housing");
    assertThat(subscription.getChannel().getPayload()).isEqualTo("application/fhir+json");
    assertThat(
            subscription
                .getChannel()
                .getPayloadElement()
                .getExtensionFirstRep()
                .getValue()
                .primitiveValue())
        .isEqualTo("id-only");
    String referralId = submit("gravity-housing");
    String task = delivered(referralId);

    GRAVITY.providerChangesTask(task, t -> t.setStatus(Task.TaskStatus.ACCEPTED));

    ReferralStatusChanged accepted =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> AdapterFlowTests.statuses(referralId), statuses -> !statuses.isEmpty())
            .get(0);
    assertThat(accepted.getStatus()).isEqualTo(ReferralStatus.ACCEPTED);
    assertThat(accepted.getProviderReference()).isEqualTo("Task/" + task);
    // One Subscription however many checks ran: found again by its endpoint, not made again.
    assertThat(GRAVITY.all(Subscription.class)).hasSize(1);
  }

  @Test
  void aProviderWithoutSubscriptionsIsStillPolled() {
    String referralId = submit("plain-housing");
    String task = delivered(referralId);

    PLAIN.providerChangesTask(task, t -> t.setStatus(Task.TaskStatus.ACCEPTED));

    AdapterFlowTests.awaitStatus(referralId, ReferralStatus.ACCEPTED);
    assertThat(PLAIN.all(Subscription.class)).isEmpty();
  }

  @Test
  void aNotificationWithoutTheSubscriptionsSecretIsRefusedAndRecordsNothing() throws Exception {
    Subscription subscription = awaitSubscription();
    String referralId = submit("gravity-housing");
    String task = delivered(referralId);
    GRAVITY.suspendNotifications();
    try {
      GRAVITY.providerChangesTask(task, t -> t.setStatus(Task.TaskStatus.ACCEPTED));
      String body = notification(subscription, task);

      HttpResponse<String> wrong = post("gravity-housing", "Bearer not-the-secret", body);
      HttpResponse<String> none = post("gravity-housing", null, body);
      HttpResponse<String> unknown = post("no-such-provider", "Bearer x", body);

      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("application/problem+json");
      assertThat(wrong.body()).contains("/problems/notification-unauthorized");
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).contains("/problems/unknown-provider");
      // Recorded within a second when it is let in (below); nothing in three when it is not.
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5))
          .until(() -> AdapterFlowTests.statuses(referralId).isEmpty());

      String secret =
          subscription
              .getChannel()
              .getHeader()
              .get(0)
              .getValue()
              .substring("Authorization: ".length());
      assertThat(post("gravity-housing", secret, body).statusCode()).isEqualTo(200);
      AdapterFlowTests.awaitStatus(referralId, ReferralStatus.ACCEPTED);
    } finally {
      GRAVITY.resumeNotifications();
    }
  }

  private static Subscription awaitSubscription() {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> GRAVITY.all(Subscription.class),
            all ->
                all.size() == 1 && all.get(0).getStatus() == Subscription.SubscriptionStatus.ACTIVE)
        .get(0);
  }

  private static String submit(String providerId) {
    return AdapterFlowTests.submit(providerId, Instant.now().plus(Duration.ofDays(2)), true);
  }

  /** Waits for the delivery; returns the Task's id at the provider. */
  private static String delivered(String referralId) {
    ReferralDelivered delivered =
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    return new IdType(delivered.getProviderReference()).getIdPart();
  }

  /** An id-only event notification naming the Task, as the backport IG shapes it for R4. */
  private static String notification(Subscription subscription, String task) {
    Parameters status = new Parameters();
    status
        .addParameter()
        .setName("subscription")
        .setValue(new Reference("Subscription/" + subscription.getIdElement().getIdPart()));
    status.addParameter().setName("status").setValue(new CodeType("active"));
    status.addParameter().setName("type").setValue(new CodeType("event-notification"));
    var event = status.addParameter().setName("notification-event");
    event.addPart().setName("event-number").setValue(new StringType("1"));
    event.addPart().setName("focus").setValue(new Reference(GRAVITY.baseUrl() + "/Task/" + task));
    Bundle bundle = new Bundle().setType(Bundle.BundleType.HISTORY);
    bundle.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(status);
    return FHIR.newJsonParser().encodeResourceToString(bundle);
  }

  private HttpResponse<String> post(String providerId, String authorization, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/fhir/notifications/" + providerId))
            .header("Content-Type", "application/fhir+json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
