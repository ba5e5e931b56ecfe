package org.referralexchange.adapter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.referralexchange.demo.fhir.InMemoryFhirServer;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The closed loop with a FHIR provider, through the adapter's core: the referral becomes a Gravity
 * Task at a real HAPI FHIR server, the provider's status change is polled back as a status event,
 * and a cancellation by the requester cancels the Task; a consent that ends (its expiry event
 * recorded, or its date passed) withdraws the Task and the ServiceRequest with the reason.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class FhirFlowTests {

  static final FhirContext FHIR = FhirContext.forR4();
  static final InMemoryFhirServer SERVER = start();

  static InMemoryFhirServer start() {
    try {
      return InMemoryFhirServer.start(FHIR);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    SERVER.close();
  }

  /** The adapter's clock, so the date-expiry sweep runs when the test says. Reset after each. */
  static final MutableClock CLOCK = new MutableClock();

  @TestConfiguration
  static class TestClock {
    @Bean
    @Primary
    Clock testClock() {
      return CLOCK;
    }
  }

  @AfterEach
  void clockBackToRealTime() {
    CLOCK.reset();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) {
    properties.add("spring.kafka.bootstrap-servers", ExchangeInfrastructure::bootstrapServers);
    properties.add(
        "spring.kafka.properties.schema.registry.url", ExchangeInfrastructure::registryUrl);
    properties.add("adapter.encryption.keyset-json", () -> ExchangeInfrastructure.KEYSET);
    // Its own group: this cached context lives on beside the other tests' adapters, which have
    // other providers and must not be given its referrals.
    properties.add("exchange.kafka.ownership.group-id", () -> "fhir-flow-tests");
    properties.add("adapter.minimum-poll-interval", () -> "PT0S");
    properties.add("adapter.tick-interval", () -> "PT0.2S");
    properties.add("adapter.consent-sweep-interval", () -> "PT0.5S");
    String p = "adapter.providers[0].";
    properties.add(p + "id", () -> "housing");
    properties.add(p + "name", () -> "Housing program");
    properties.add(p + "kind", () -> "fhir");
    properties.add(p + "endpoint", SERVER::baseUrl);
    properties.add(p + "secret", () -> "");
    // Every field: what the consent covers is then what the provider gets.
    properties.add(p + "allowed-fields", () -> AdapterFlowTests.EVERY_FIELD);
    properties.add(p + "service-categories", () -> "housing");
    properties.add(p + "time-zone", () -> "UTC");
    properties.add(p + "opens-at", () -> "00:00");
    properties.add(p + "closes-at", () -> "23:59:59.999");
    properties.add(p + "response-window", () -> "P2D");
    properties.add(p + "grace", () -> "P2D");
    properties.add(p + "poll-interval", () -> "PT0.5S");
    properties.add(p + "enabled", () -> "true");
  }

  @Test
  void referralBecomesATaskWhoseStatusComesBackAndCancellationReachesIt() {
    String referralId =
        AdapterFlowTests.submit("housing", Instant.now().plus(Duration.ofDays(2)), true);

    ReferralDelivered delivered =
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    assertThat(delivered.getProviderReference()).startsWith("Task/");
    IGenericClient client = FHIR.newRestfulGenericClient(SERVER.baseUrl());
    Task task =
        client.read().resource(Task.class).withId(delivered.getProviderReference()).execute();
    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
    assertThat(task.getIntent()).isEqualTo(Task.TaskIntent.ORDER);

    task.setStatus(Task.TaskStatus.ACCEPTED);
    client.update().resource(task).execute();
    ReferralStatusChanged accepted =
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.ACCEPTED);
    assertThat(accepted.getProviderReference()).isEqualTo(delivered.getProviderReference());

    cancel(
        referralId,
        Reason.newBuilder().setCode("client-declined").setText("Found housing elsewhere").build(),
        ActorRole.REQUESTER,
        "county-hhs");

    awaitTaskCancelled(client, delivered.getProviderReference());
    assertThat(AdapterFlowTests.statuses(referralId))
        .extracting(ReferralStatusChanged::getStatus)
        .containsExactly(ReferralStatus.ACCEPTED, ReferralStatus.CANCELLED);
  }

  @Test
  void aWithdrawalForARevokedConsentTellsTheProviderWhyAndDeactivatesTheConsent() {
    String referralId =
        AdapterFlowTests.submit("housing", Instant.now().plus(Duration.ofDays(2)), true);
    ReferralDelivered delivered =
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    IGenericClient client = FHIR.newRestfulGenericClient(SERVER.baseUrl());

    cancel(
        referralId,
        Reason.newBuilder().setCode("consent-revoked").build(),
        ActorRole.EXCHANGE,
        "referral-exchange");

    awaitTaskCancelled(client, delivered.getProviderReference());
    Task task =
        client.read().resource(Task.class).withId(delivered.getProviderReference()).execute();
    assertThat(task.getStatusReason().getCoding())
        .extracting(org.hl7.fhir.r4.model.Coding::getCode)
        .containsExactly("consent-revoked");
    org.hl7.fhir.r4.model.ServiceRequest request =
        client
            .read()
            .resource(org.hl7.fhir.r4.model.ServiceRequest.class)
            .withId(task.getFocus().getReferenceElement().getIdPart())
            .execute();
    assertThat(request.getStatus())
        .isEqualTo(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestStatus.REVOKED);
    org.hl7.fhir.r4.model.Consent consent =
        client
            .read()
            .resource(org.hl7.fhir.r4.model.Consent.class)
            .withId(request.getSupportingInfoFirstRep().getReferenceElement().getIdPart())
            .execute();
    assertThat(consent.getStatus()).isEqualTo(org.hl7.fhir.r4.model.Consent.ConsentState.INACTIVE);
  }

  /**
   * A consent that ends on an event: once the gateway records the event, the adapter withdraws the
   * delivered referral at the real FHIR server, the Task cancelled with the reason consent-expired
   * and its ServiceRequest revoked.
   */
  @Test
  void aRecordedExpiryEventCancelsTheTaskWithReasonConsentExpiredAndRevokesTheServiceRequest() {
    String referralId =
        AdapterFlowTests.submit("housing", Instant.now().plus(Duration.ofDays(2)), true);
    ReferralDelivered delivered =
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);

    AdapterFlowTests.expiryEventAsTheGatewayRecordsIt(referralId, Instant.now());

    assertWithdrawnAtTheFhirServer(referralId, delivered, "consent-expired");
  }

  /**
   * No event says a consent ran out by date: the sweep finds it. The adapter's clock is moved past
   * the consent's expiry (30 days), within the referral's respondBy, so only the consent ends it.
   */
  @Test
  void theSweepWithdrawsAtTheFhirServerAReferralWhoseConsentExpiredByDate() {
    String referralId =
        AdapterFlowTests.submit("housing", Instant.now().plus(Duration.ofDays(60)), true);
    ReferralDelivered delivered =
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    assertThat(AdapterFlowTests.statuses(referralId)).isEmpty();

    CLOCK.advance(Duration.ofDays(31));

    assertWithdrawnAtTheFhirServer(referralId, delivered, "consent-expired");
  }

  /**
   * A consent covering only SOCIAL_NEEDS withholds the client's names: the Patient the real FHIR
   * server stored says they are masked (withheld for privacy), not unknown, and carries no name.
   */
  @Test
  void aPatientWhoseNamesTheConsentWithholdsIsStoredWithTheNameMasked() {
    String referralId =
        AdapterFlowTests.submit(
            "ref-" + UUID.randomUUID(),
            "housing",
            Instant.now().plus(Duration.ofDays(2)),
            AdapterFlowTests.ConsentTiming.FIRST,
            AdapterFlowTests.Scope.SOCIAL_NEEDS_ONLY_WITH_AN_UNDECLARED_NARRATIVE.content());
    ReferralDelivered delivered =
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);

    Task task = SERVER.read(Task.class, new IdType(delivered.getProviderReference()).getIdPart());
    ServiceRequest request =
        SERVER.read(ServiceRequest.class, task.getFocus().getReferenceElement().getIdPart());
    Patient patient =
        SERVER.read(Patient.class, request.getSubject().getReferenceElement().getIdPart());

    assertThat(patient.getName()).hasSize(1);
    assertThat(patient.getNameFirstRep().hasGiven() || patient.getNameFirstRep().hasFamily())
        .isFalse();
    assertThat(
            patient
                .getNameFirstRep()
                .getExtensionByUrl("http://hl7.org/fhir/StructureDefinition/data-absent-reason")
                .getValue()
                .primitiveValue())
        .as("names the consent withholds are masked, not unknown")
        .isEqualTo("masked");
  }

  /**
   * The referral was cancelled by the exchange with {@code reason}, once, and the real FHIR server
   * holds its Task cancelled with that statusReason and its ServiceRequest revoked.
   */
  private static void assertWithdrawnAtTheFhirServer(
      String referralId, ReferralDelivered delivered, String reason) {
    ReferralStatusChanged cancelled =
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.CANCELLED);
    assertThat(cancelled.getReason().getCode()).isEqualTo(reason);
    assertThat(cancelled.getActor().getRole()).isEqualTo(ActorRole.EXCHANGE);
    IGenericClient client = FHIR.newRestfulGenericClient(SERVER.baseUrl());
    awaitTaskCancelled(client, delivered.getProviderReference());
    Task task =
        client.read().resource(Task.class).withId(delivered.getProviderReference()).execute();
    assertThat(task.getStatusReason().getCoding())
        .extracting(org.hl7.fhir.r4.model.Coding::getCode)
        .containsExactly(reason);
    ServiceRequest request =
        client
            .read()
            .resource(ServiceRequest.class)
            .withId(task.getFocus().getReferenceElement().getIdPart())
            .execute();
    assertThat(request.getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.REVOKED);
    assertThat(AdapterFlowTests.statuses(referralId)).hasSize(1);
  }

  /**
   * The canary scan at the FHIR provider: what the real HAPI server stored for the referral (the
   * Patient, the ServiceRequest, the Task, the Consent) holds only the fields the consent, as read
   * from the log, covers, although the provider's allow-list names every field and the sealed
   * identity holds them all.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(AdapterFlowTests.Scope.class)
  void noFieldOutsideTheConsentReachesTheFhirProvider(AdapterFlowTests.Scope scope) {
    String referralId =
        AdapterFlowTests.submit(
            "ref-" + UUID.randomUUID(),
            "housing",
            Instant.now().plus(Duration.ofDays(2)),
            AdapterFlowTests.ConsentTiming.FIRST,
            scope.content());

    ReferralDelivered delivered =
        AdapterFlowTests.awaitEvent(
            Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    IParser json = FHIR.newJsonParser();
    Task task = SERVER.read(Task.class, new IdType(delivered.getProviderReference()).getIdPart());
    ServiceRequest request =
        SERVER.read(ServiceRequest.class, task.getFocus().getReferenceElement().getIdPart());
    Patient patient =
        SERVER.read(Patient.class, request.getSubject().getReferenceElement().getIdPart());
    Consent consent =
        SERVER.read(
            Consent.class, request.getSupportingInfoFirstRep().getReferenceElement().getIdPart());
    String stored =
        String.join(
            "\n",
            json.encodeResourceToString(patient),
            json.encodeResourceToString(request),
            json.encodeResourceToString(task),
            json.encodeResourceToString(consent));

    assertThat(patient.getIdentifier())
        .as("the stored Patient is this referral's client")
        .anySatisfy(i -> assertThat(i.getValue()).startsWith("cl-"));
    AdapterFlowTests.assertOnlyTheseFieldsReachedTheProvider(stored, scope.reaches());
  }

  /** The referral cancelled, as the gateway (or the exchange itself) records it. */
  private static void cancel(
      String referralId, Reason reason, ActorRole role, String organization) {
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referralId,
        ReferralStatusChanged.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(Instant.now())
            .setReferralId(referralId)
            .setProviderId("housing")
            .setStatus(ReferralStatus.CANCELLED)
            .setReason(reason)
            .setActor(Actor.newBuilder().setRole(role).setOrganizationId(organization).build())
            .build());
  }

  private static void awaitTaskCancelled(IGenericClient client, String taskReference) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client.read().resource(Task.class).withId(taskReference).execute().getStatus()
                    == Task.TaskStatus.CANCELLED);
  }
}
