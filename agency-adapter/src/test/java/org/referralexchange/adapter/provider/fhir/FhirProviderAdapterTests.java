package org.referralexchange.adapter.provider.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ca.uhn.fhir.context.FhirContext;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.OutboundReferral.Client;
import org.referralexchange.adapter.provider.OutboundReferral.Narrative;
import org.referralexchange.adapter.provider.OutboundReferral.Need;
import org.referralexchange.adapter.provider.OutboundReferral.Requester;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.demo.fhir.InMemoryFhirServer;
import org.referralexchange.events.v1.ReferralStatus;

/** The fhir provider kind against a real HAPI FHIR server on loopback. */
class FhirProviderAdapterTests {

  private static final String SDOH = FhirCodes.SDOHCC_TEMPORARY_CODES;
  private static final Instant AUTHORED = Instant.parse("2025-03-03T14:15:30.250Z");
  private static final Instant RESPOND_BY = Instant.parse("2025-03-05T22:00:00Z");
  private static final ZoneId PROVIDER_ZONE = ZoneId.of("America/Chicago");
  private static final Set<String> ALL_FIELDS =
      Set.of(
          "givenName",
          "familyName",
          "birthDate",
          "phone",
          "email",
          "addressLines",
          "city",
          "state",
          "postalCode",
          "identifiers",
          "preferredLanguage",
          "narrative");

  private static FhirContext serverContext;
  private static FhirProviderAdapter adapter;

  private InMemoryFhirServer server;

  @BeforeAll
  static void createContextAndAdapter() {
    serverContext = FhirContext.forR4();
    adapter = new FhirProviderAdapter();
  }

  @AfterAll
  static void forget() {
    adapter = null;
    serverContext = null;
  }

  @BeforeEach
  void startServer() throws Exception {
    server = InMemoryFhirServer.start(serverContext);
  }

  @AfterEach
  void stopServer() throws Exception {
    server.close();
  }

  @Test
  void kindIsFhir() {
    assertThat(adapter.kind()).isEqualTo("fhir");
  }

  // --- deliver: translation ---

  @Test
  void deliverCreatesGravityTaskThatFocusesOnTheServiceRequestForThePatient() {
    DeliveryReceipt receipt = adapter.deliver(provider(ALL_FIELDS), referral("ref-1", client()));

    List<Task> tasks = server.all(Task.class);
    assertThat(tasks).hasSize(1);
    Task task = tasks.get(0);
    assertThat(receipt.providerReference()).isEqualTo("Task/" + task.getIdElement().getIdPart());
    assertThat(task.getIntent()).isEqualTo(Task.TaskIntent.ORDER);
    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
    assertThat(task.getPriority()).isEqualTo(Task.TaskPriority.URGENT);
    assertThat(task.getCode().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple("http://hl7.org/fhir/CodeSystem/task-code", "fulfill"));
    assertThat(task.getIdentifier())
        .extracting(Identifier::getSystem, Identifier::getValue)
        .containsExactly(tuple("urn:referral-exchange:referral-id", "ref-1"));
    assertThat(task.getAuthoredOn()).isEqualTo(Date.from(AUTHORED));
    assertThat(task.getRequester().getDisplay()).isEqualTo("Northside Clinic");
    assertThat(task.getOwner().getDisplay()).isEqualTo("Eastside Food Bank");
    assertThat(task.getRestriction().getPeriod().getEnd()).isEqualTo(Date.from(RESPOND_BY));

    ServiceRequest request = server.all(ServiceRequest.class).get(0);
    Patient patient = server.all(Patient.class).get(0);
    assertThat(task.getFocus().getReference())
        .isEqualTo("ServiceRequest/" + request.getIdElement().getIdPart());
    assertThat(task.getFor().getReference())
        .isEqualTo("Patient/" + patient.getIdElement().getIdPart());
  }

  @Test
  void deliverCreatesServiceRequestCarryingTheNeedsNarrativeAndReferralId() {
    adapter.deliver(provider(ALL_FIELDS), referral("ref-1", client()));

    ServiceRequest request = server.all(ServiceRequest.class).get(0);
    Patient patient = server.all(Patient.class).get(0);
    assertThat(request.getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.ACTIVE);
    assertThat(request.getIntent()).isEqualTo(ServiceRequest.ServiceRequestIntent.ORDER);
    assertThat(request.getPriority()).isEqualTo(ServiceRequest.ServiceRequestPriority.URGENT);
    assertThat(request.getCategory())
        .flatExtracting(CodeableConcept::getCoding)
        .extracting(Coding::getSystem, Coding::getCode, Coding::getDisplay)
        .containsExactly(
            tuple(SDOH, "food-insecurity", "Food Insecurity"),
            tuple(SDOH, "housing-instability", "Housing Instability"));
    // No service code configured for this provider: the generic social service procedure.
    assertThat(request.getCode().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple("http://snomed.info/sct", "410606002"));
    assertThat(request.getCode().getText()).isEqualTo("svc-pantry");
    assertThat(request.getOrderDetail())
        .flatExtracting(CodeableConcept::getCoding)
        .extracting(Coding::getSystem, Coding::getCode)
        .contains(tuple(SDOH, "contacting-subject-prohibited"));
    assertThat(request.getIdentifier())
        .extracting(Identifier::getSystem, Identifier::getValue)
        .containsExactly(tuple("urn:referral-exchange:referral-id", "ref-1"));
    assertThat(request.getSubject().getReference())
        .isEqualTo("Patient/" + patient.getIdElement().getIdPart());
    assertThat(request.getAuthoredOn()).isEqualTo(Date.from(AUTHORED));
    assertThat(request.getRequester().getDisplay()).isEqualTo("Northside Clinic");
    assertThat(request.getNote())
        .extracting(note -> note.getText())
        .contains("Needs groceries for a family of four", "Goals: Stable food supply")
        .noneMatch(note -> note.toLowerCase(java.util.Locale.ROOT).contains("do not contact"));
  }

  @Test
  void addressInTheAllowListGrantsTheWholeAddress() {
    adapter.deliver(provider(Set.of("givenName", "address")), referral("ref-1", client()));

    Patient patient = server.all(Patient.class).get(0);
    assertThat(patient.getAddressFirstRep().getCity()).isEqualTo("Springfield");
    assertThat(patient.getAddressFirstRep().hasLine()).isTrue();
    assertThat(patient.getAddressFirstRep().hasPostalCode()).isTrue();
    assertThat(patient.hasBirthDate()).isFalse();
  }

  @Test
  void deliverSendsOnlyTheAllowListedClientFieldsEvenWhenMoreArePresent() {
    // The core should already have removed these; the adapter must not pass them on regardless.
    adapter.deliver(
        provider(Set.of("givenName", "familyName", "city", "preferredLanguage")),
        referral("ref-1", client()));

    Patient patient = server.all(Patient.class).get(0);
    assertThat(patient.getNameFirstRep().getGivenAsSingleString()).isEqualTo("Jane");
    assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Doe");
    assertThat(patient.getAddressFirstRep().getCity()).isEqualTo("Springfield");
    assertThat(patient.getCommunicationFirstRep().getLanguage().getCodingFirstRep().getCode())
        .isEqualTo("es");
    assertThat(patient.hasBirthDate()).as("birthDate is not allow-listed").isFalse();
    assertThat(patient.hasTelecom()).as("phone and email are not allow-listed").isFalse();
    assertThat(patient.getAddressFirstRep().hasLine()).isFalse();
    assertThat(patient.getAddressFirstRep().hasPostalCode()).isFalse();
    assertThat(patient.getAddressFirstRep().hasState()).isFalse();
    assertThat(patient.getIdentifier())
        .extracting(Identifier::getSystem, Identifier::getValue)
        .containsExactly(tuple("urn:referral-exchange:client-pseudonym", "px-7f3a"));
    String everythingStored =
        serverContext.newJsonParser().encodeResourceToString(patient)
            + serverContext
                .newJsonParser()
                .encodeResourceToString(server.all(ServiceRequest.class).get(0))
            + serverContext.newJsonParser().encodeResourceToString(server.all(Task.class).get(0));
    assertThat(everythingStored)
        .doesNotContain("1980-04-02", "+15551234567", "jane@example.org", "12 Elm St")
        .doesNotContain("62701", "MRN-4471", "groceries");
  }

  @Test
  void deliverOmitsClientFieldsTheExchangeLeftOut() {
    Client sparse =
        new Client(
            "px-7f3a", "Jane", null, null, null, null, List.of(), null, null, null, null, null);

    adapter.deliver(provider(ALL_FIELDS), referral("ref-1", sparse));

    Patient patient = server.all(Patient.class).get(0);
    assertThat(patient.getName()).hasSize(1);
    assertThat(patient.getNameFirstRep().hasFamily()).isFalse();
    assertThat(patient.hasBirthDate()).isFalse();
    assertThat(patient.hasTelecom()).isFalse();
    assertThat(patient.hasAddress()).isFalse();
    assertThat(patient.hasCommunication()).isFalse();
    assertThat(patient.getIdentifier()).hasSize(1);
  }

  @Test
  void deliverSendsAllowListedIdentifiersAndContactDetails() {
    adapter.deliver(provider(ALL_FIELDS), referral("ref-1", client()));

    Patient patient = server.all(Patient.class).get(0);
    assertThat(patient.getIdentifier())
        .extracting(Identifier::getSystem, Identifier::getValue)
        .containsExactlyInAnyOrder(
            tuple("urn:referral-exchange:client-pseudonym", "px-7f3a"),
            tuple("urn:county:mrn", "MRN-4471"));
    assertThat(patient.getTelecom())
        .extracting(contact -> contact.getValue())
        .containsExactly("+15551234567", "jane@example.org");
    assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1980-04-02");
    assertThat(patient.getAddressFirstRep().getLine())
        .extracting(StringType::getValue)
        .containsExactly("12 Elm St");
  }

  @Test
  void deliverSendsTheSecretAsBearerTokenAndNothingWhenThereIsNone() {
    adapter.deliver(provider(ALL_FIELDS, "s3cret-token"), referral("ref-1", client()));
    adapter.deliver(provider(ALL_FIELDS, " "), referral("ref-2", client()));

    // Each delivery is two requests: the provider's own Organization looked up, then the
    // transaction.
    assertThat(server.authorizations())
        .containsExactly("Bearer s3cret-token", "Bearer s3cret-token", null, null);
  }

  // --- deliver: idempotence ---

  @Test
  void deliveringTheSameReferralTwiceCreatesOneTaskOneServiceRequestAndReturnsTheSameReference() {
    ProviderSettings provider = provider(ALL_FIELDS);

    DeliveryReceipt first = adapter.deliver(provider, referral("ref-1", client()));
    DeliveryReceipt second = adapter.deliver(provider, referral("ref-1", client()));

    assertThat(second).isEqualTo(first);
    assertThat(server.all(Task.class)).hasSize(1);
    assertThat(server.all(ServiceRequest.class)).hasSize(1);
    assertThat(server.all(Patient.class)).hasSize(1);
  }

  @Test
  void twoReferralsForTheSameClientShareOnePatient() {
    ProviderSettings provider = provider(ALL_FIELDS);

    DeliveryReceipt first = adapter.deliver(provider, referral("ref-1", client()));
    DeliveryReceipt second = adapter.deliver(provider, referral("ref-2", client()));

    assertThat(second.providerReference()).isNotEqualTo(first.providerReference());
    assertThat(server.all(Task.class)).hasSize(2);
    assertThat(server.all(Patient.class)).hasSize(1);
    assertThat(server.all(Task.class))
        .extracting(task -> task.getFor().getReference())
        .containsOnly("Patient/" + server.all(Patient.class).get(0).getIdElement().getIdPart());
  }

  // --- poll ---

  @Test
  void pollReportsNothingWhileTheTaskIsStillRequested() {
    TrackedReferral tracked = deliver("ref-1");

    assertThat(adapter.poll(provider(ALL_FIELDS), List.of(tracked))).isEmpty();
  }

  @Test
  void pollReportsAcceptedAtTheTimeTheProviderChangedIt() {
    TrackedReferral tracked = deliver("ref-1");
    Instant changed = Instant.parse("2025-03-04T15:00:00Z");
    providerSets(tracked, Task.TaskStatus.ACCEPTED, changed);

    assertThat(adapter.poll(provider(ALL_FIELDS), List.of(tracked)))
        .containsExactly(
            new ProviderStatusUpdate(
                "ref-1",
                ReferralStatus.ACCEPTED,
                null,
                null,
                tracked.providerReference(),
                null,
                changed,
                "2"));
  }

  @Test
  void pollReportsRejectedWithTheNoCapacityReason() {
    TrackedReferral tracked = deliver("ref-1");
    server.providerChangesTask(
        id(tracked),
        task ->
            task.setStatus(Task.TaskStatus.REJECTED)
                .setStatusReason(
                    new CodeableConcept()
                        .addCoding(new Coding(SDOH, "no-capacity", "No capacity"))
                        .setText("Pantry is full until April")));

    ProviderStatusUpdate update = adapter.poll(provider(ALL_FIELDS), List.of(tracked)).get(0);

    assertThat(update.status()).isEqualTo(ReferralStatus.REJECTED);
    assertThat(update.reasonCode()).isEqualTo("no-capacity");
    assertThat(update.reasonText()).isEqualTo("Pantry is full until April");
    assertThat(update.outcome()).isNull();
  }

  @Test
  void pollReportsCompletedWithWhatWasDeliveredUnitsAndCost() {
    TrackedReferral tracked = deliver("ref-1");
    CodeableConcept resultingActivity =
        new CodeableConcept().addCoding(new Coding(SDOH, "resulting-activity", null));
    server.providerChangesTask(
        id(tracked),
        task -> {
          task.setStatus(Task.TaskStatus.COMPLETED);
          task.addOutput()
              .setType(resultingActivity)
              .setValue(new Reference("Procedure/77").setDisplay("Grocery boxes handed out"));
          task.addOutput()
              .setType(resultingActivity)
              .setValue(new Quantity().setValue(2).setUnit("box"));
          task.addOutput()
              .setType(resultingActivity)
              .setValue(new Money().setValue(new BigDecimal("85.50")).setCurrency("USD"));
          // Not a resulting-activity: must not be taken for the cost.
          task.addOutput()
              .setType(new CodeableConcept().setText("internal-budget"))
              .setValue(new Money().setValue(new BigDecimal("999")).setCurrency("EUR"));
        });

    ProviderStatusUpdate update = adapter.poll(provider(ALL_FIELDS), List.of(tracked)).get(0);

    assertThat(update.status()).isEqualTo(ReferralStatus.COMPLETED);
    ProviderStatusUpdate.Outcome outcome = update.outcome();
    assertThat(outcome.delivered()).isEqualTo("Grocery boxes handed out");
    assertThat(outcome.units()).isEqualTo(2.0);
    assertThat(outcome.unitName()).isEqualTo("box");
    assertThat(outcome.costAmount()).isEqualByComparingTo("85.50");
    assertThat(outcome.costCurrency()).isEqualTo("USD");
  }

  @Test
  void pollReportsOnHoldWithTheWaitlistReason() {
    TrackedReferral tracked = deliver("ref-1");
    server.providerChangesTask(
        id(tracked),
        task ->
            task.setStatus(Task.TaskStatus.ONHOLD)
                .setStatusReason(
                    new CodeableConcept().addCoding(new Coding(SDOH, "waitlist", "Waitlist"))));

    ProviderStatusUpdate update = adapter.poll(provider(ALL_FIELDS), List.of(tracked)).get(0);

    assertThat(update.status()).isEqualTo(ReferralStatus.ON_HOLD);
    assertThat(update.reasonCode()).isEqualTo("waitlist");
    assertThat(update.reasonText()).isEqualTo("Waitlist");
  }

  @Test
  void pollReportsInProgressAtTheServersLastUpdatedWhenTheTaskHasNoLastModified() {
    TrackedReferral tracked = deliver("ref-1");
    server.providerChangesTask(
        id(tracked), task -> task.setStatus(Task.TaskStatus.INPROGRESS).setLastModified(null));
    Instant lastUpdated =
        server.read(Task.class, id(tracked)).getMeta().getLastUpdated().toInstant();

    ProviderStatusUpdate update = adapter.poll(provider(ALL_FIELDS), List.of(tracked)).get(0);

    assertThat(update.status()).isEqualTo(ReferralStatus.IN_PROGRESS);
    assertThat(update.occurredAt()).isEqualTo(lastUpdated);
  }

  @Test
  void pollReportsEachChangedReferralOnceAndSkipsOnesTheProviderNoLongerHas() {
    TrackedReferral accepted = deliver("ref-1");
    TrackedReferral untouched = deliver("ref-2");
    TrackedReferral gone = new TrackedReferral("ref-3", "Task/9999");
    providerSets(accepted, Task.TaskStatus.ACCEPTED, Instant.parse("2025-03-04T15:00:00Z"));

    assertThat(adapter.poll(provider(ALL_FIELDS), List.of(accepted, untouched, gone)))
        .extracting(ProviderStatusUpdate::referralId, ProviderStatusUpdate::status)
        .containsExactly(tuple("ref-1", ReferralStatus.ACCEPTED));
  }

  @Test
  void pollFindsTheTaskByReferralIdWhenNoReferenceWasKept() {
    TrackedReferral tracked = deliver("ref-1");
    providerSets(tracked, Task.TaskStatus.ACCEPTED, Instant.parse("2025-03-04T15:00:00Z"));

    List<ProviderStatusUpdate> updates =
        adapter.poll(provider(ALL_FIELDS), List.of(new TrackedReferral("ref-1", null)));

    assertThat(updates)
        .extracting(ProviderStatusUpdate::status, ProviderStatusUpdate::providerReference)
        .containsExactly(tuple(ReferralStatus.ACCEPTED, tracked.providerReference()));
  }

  @Test
  void pollIsOneSearchForTheProvidersTasksWhateverTheNumberOfOpenReferrals() {
    List<TrackedReferral> open =
        List.of(deliver("ref-1"), deliver("ref-2"), deliver("ref-3"), deliver("ref-4"));
    providerSets(open.get(2), Task.TaskStatus.ACCEPTED, Instant.parse("2025-03-04T15:00:00Z"));
    int before = server.requests().size();

    List<ProviderStatusUpdate> updates = adapter.poll(provider(ALL_FIELDS), open);

    List<String> requests = server.requests().subList(before, server.requests().size());
    assertThat(requests).hasSize(1);
    assertThat(decoded(requests.get(0)))
        .startsWith("GET /fhir/Task?")
        .contains("identifier=" + FhirCodes.REFERRAL_ID + "|");
    assertThat(updates)
        .extracting(ProviderStatusUpdate::referralId, ProviderStatusUpdate::status)
        .containsExactly(tuple("ref-3", ReferralStatus.ACCEPTED));
  }

  @Test
  void pollFollowsTheNextPagesWhenTheProviderHasMoreTasksThanAPage() {
    server.pageSize(2);
    List<TrackedReferral> open =
        List.of(deliver("ref-1"), deliver("ref-2"), deliver("ref-3"), deliver("ref-4"));
    open.forEach(t -> providerSets(t, Task.TaskStatus.ACCEPTED, Instant.now()));
    int before = server.requests().size();

    List<ProviderStatusUpdate> updates = adapter.poll(provider(ALL_FIELDS), open);

    List<String> requests = server.requests().subList(before, server.requests().size());
    assertThat(requests).as("the search and its second page").hasSize(2);
    assertThat(decoded(requests.get(1))).contains("_getpages=");
    assertThat(updates)
        .extracting(ProviderStatusUpdate::referralId)
        .containsExactlyInAnyOrder("ref-1", "ref-2", "ref-3", "ref-4");
  }

  @Test
  void aTaskVersionAlreadyReportedReportsNothingAndItsNextVersionDoes() {
    TrackedReferral tracked = deliver("ref-1");
    providerSets(tracked, Task.TaskStatus.ACCEPTED, Instant.parse("2025-03-04T15:00:00Z"));

    assertThat(adapter.poll(provider(ALL_FIELDS), List.of(tracked)))
        .extracting(ProviderStatusUpdate::status, ProviderStatusUpdate::sourceVersion)
        .containsExactly(tuple(ReferralStatus.ACCEPTED, "2"));
    assertThat(adapter.poll(provider(ALL_FIELDS), List.of(tracked))).isEmpty();

    providerSets(tracked, Task.TaskStatus.INPROGRESS, Instant.parse("2025-03-04T16:00:00Z"));
    assertThat(adapter.poll(provider(ALL_FIELDS), List.of(tracked)))
        .extracting(ProviderStatusUpdate::status, ProviderStatusUpdate::sourceVersion)
        .containsExactly(tuple(ReferralStatus.IN_PROGRESS, "3"));
  }

  @Test
  void pollAsksForTasksChangedSinceTheSubmissionThenSinceTheNewestChangeLessTheOverlap() {
    Duration overlap = Duration.ofSeconds(30);
    FhirProviderAdapter polling =
        new FhirProviderAdapter(
            FhirProviderAdapter.CONNECT_TIMEOUT, FhirProviderAdapter.SOCKET_TIMEOUT, overlap);
    Instant submitted = Instant.parse("2025-03-03T14:00:00Z");
    TrackedReferral delivered = deliver("ref-1");
    TrackedReferral tracked =
        new TrackedReferral("ref-1", delivered.providerReference(), submitted);
    providerSets(tracked, Task.TaskStatus.ACCEPTED, Instant.parse("2025-03-04T15:00:00Z"));
    Instant newest = server.read(Task.class, id(tracked)).getMeta().getLastUpdated().toInstant();

    polling.poll(provider(ALL_FIELDS), List.of(tracked));
    polling.poll(provider(ALL_FIELDS), List.of(tracked));

    List<String> requests = server.requests();
    assertThat(since(requests.get(requests.size() - 2))).isEqualTo(submitted.minus(overlap));
    assertThat(since(requests.get(requests.size() - 1))).isEqualTo(newest.minus(overlap));
  }

  @Test
  void aReferralFollowedForTheFirstTimeWidensTheSearchToItsSubmission() {
    Duration overlap = Duration.ofSeconds(30);
    FhirProviderAdapter polling =
        new FhirProviderAdapter(
            FhirProviderAdapter.CONNECT_TIMEOUT, FhirProviderAdapter.SOCKET_TIMEOUT, overlap);
    TrackedReferral first = tracked(deliver("ref-1"), Instant.now());
    providerSets(first, Task.TaskStatus.ACCEPTED, Instant.now());
    polling.poll(provider(ALL_FIELDS), List.of(first));
    // Delivered before the crash, recorded after it: its Task may predate the watermark.
    Instant longAgo = Instant.parse("2025-01-01T00:00:00Z");
    TrackedReferral late = tracked(deliver("ref-2"), longAgo);

    polling.poll(provider(ALL_FIELDS), List.of(first, late));

    List<String> requests = server.requests();
    assertThat(since(requests.get(requests.size() - 1))).isEqualTo(longAgo.minus(overlap));
  }

  @Test
  void aTaskOfAReferralNoLongerOpenIsReportedWhenItChanges() {
    TrackedReferral closed = deliver("ref-1");
    TrackedReferral open = deliver("ref-2");
    server.providerChangesTask(
        id(closed),
        task ->
            task.setStatus(Task.TaskStatus.FAILED)
                .setStatusReason(new CodeableConcept().setText("Client moved away")));

    assertThat(adapter.poll(provider(ALL_FIELDS), List.of(open)))
        .extracting(ProviderStatusUpdate::referralId, ProviderStatusUpdate::status)
        .containsExactly(tuple("ref-1", ReferralStatus.FAILED));
  }

  // --- withdraw ---

  @Test
  void withdrawCancelsTheTaskWithTheReasonAndRevokesTheServiceRequest() {
    TrackedReferral tracked = deliver("ref-1");

    adapter.withdraw(
        provider(ALL_FIELDS), tracked, "consent-revoked", "The client revoked consent");

    Task task = server.read(Task.class, id(tracked));
    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
    assertThat(task.getStatusReason().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple("urn:referral-exchange:status-reason", "consent-revoked"));
    assertThat(task.getStatusReason().getText()).isEqualTo("The client revoked consent");
    assertThat(server.all(ServiceRequest.class).get(0).getStatus())
        .isEqualTo(ServiceRequest.ServiceRequestStatus.REVOKED);
  }

  @Test
  void withdrawingAnAlreadyCancelledTaskChangesNothing() {
    TrackedReferral tracked = deliver("ref-1");
    adapter.withdraw(provider(ALL_FIELDS), tracked, "client-declined", "Client moved away");
    String versionAfterFirst = server.read(Task.class, id(tracked)).getMeta().getVersionId();

    adapter.withdraw(provider(ALL_FIELDS), tracked, "other", "Second attempt");

    Task task = server.read(Task.class, id(tracked));
    assertThat(task.getMeta().getVersionId()).isEqualTo(versionAfterFirst);
    assertThat(task.getStatusReason().getText()).isEqualTo("Client moved away");
  }

  @Test
  void withdrawLeavesATaskTheProviderAlreadyCompletedAlone() {
    TrackedReferral tracked = deliver("ref-1");
    providerSets(tracked, Task.TaskStatus.COMPLETED, Instant.parse("2025-03-04T15:00:00Z"));

    adapter.withdraw(provider(ALL_FIELDS), tracked, "consent-revoked", "Consent revoked");

    assertThat(server.read(Task.class, id(tracked)).getStatus())
        .isEqualTo(Task.TaskStatus.COMPLETED);
  }

  @Test
  void withdrawOfATaskTheProviderDoesNotHaveIsRejected() {
    assertThatThrownBy(
            () ->
                adapter.withdraw(
                    provider(ALL_FIELDS),
                    new TrackedReferral("ref-9", "Task/9999"),
                    "other",
                    "Gone"))
        .isInstanceOf(ProviderRejectedException.class);
  }

  // --- remind ---

  @Test
  void remindAddsANoteWithTheDueTimeInTheProvidersZone() {
    TrackedReferral tracked = deliver("ref-1");
    int notesBefore = server.read(Task.class, id(tracked)).getNote().size();

    adapter.remind(provider(ALL_FIELDS), tracked, RESPOND_BY);

    Task task = server.read(Task.class, id(tracked));
    assertThat(task.getNote()).hasSize(notesBefore + 1);
    assertThat(task.getNote().get(notesBefore).getText())
        .isEqualTo("Reminder: answer due by 2025-03-05T16:00:00-06:00");
    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
  }

  @Test
  void remindKeepsAnAnswerTheProviderGaveWhileTheReminderWasBeingWritten() {
    TrackedReferral tracked = deliver("ref-1");
    server.beforeNextTaskUpdate(
        () ->
            server.providerChangesTask(
                id(tracked), task -> task.setStatus(Task.TaskStatus.ACCEPTED)));

    adapter.remind(provider(ALL_FIELDS), tracked, RESPOND_BY);

    Task task = server.read(Task.class, id(tracked));
    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.ACCEPTED);
    assertThat(task.getNote())
        .extracting(note -> note.getText())
        .anyMatch(text -> text.startsWith("Reminder: answer due by"));
  }

  // --- failures ---

  @Test
  void deliverToAStoppedServerIsUnavailable() throws Exception {
    ProviderSettings provider = provider(ALL_FIELDS);
    server.stop();

    assertThatThrownBy(() -> adapter.deliver(provider, referral("ref-1", client())))
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("ref-1");
  }

  @Test
  void pollOfAStoppedServerIsUnavailable() throws Exception {
    TrackedReferral tracked = deliver("ref-1");
    server.stop();

    assertThatThrownBy(() -> adapter.poll(provider(ALL_FIELDS), List.of(tracked)))
        .isInstanceOf(ProviderUnavailableException.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 403, 422})
  void deliverRefusedWithA4xxIsRejectedWithoutEchoingTheResponse(int status) {
    server.answerEverythingWith(status, "Patient Jane Doe born 1980-04-02 is invalid");

    assertThatThrownBy(() -> adapter.deliver(provider(ALL_FIELDS), referral("ref-1", client())))
        .isInstanceOf(ProviderRejectedException.class)
        .hasMessageContaining("HTTP " + status)
        .hasMessageNotContaining("Jane")
        .hasNoCause();
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 503})
  void deliverAnsweredWithA5xx408Or429IsUnavailableWithoutEchoingTheResponse(int status) {
    server.answerEverythingWith(status, "Jane Doe could not be stored");

    assertThatThrownBy(() -> adapter.deliver(provider(ALL_FIELDS), referral("ref-1", client())))
        .isInstanceOf(ProviderUnavailableException.class)
        .hasMessageContaining("HTTP " + status)
        .hasMessageNotContaining("Jane")
        .hasNoCause();
  }

  @Test
  void withdrawRefusedWithA422IsRejected() {
    TrackedReferral tracked = deliver("ref-1");
    server.answerEverythingWith(422, "no");

    assertThatThrownBy(() -> adapter.withdraw(provider(ALL_FIELDS), tracked, "other", "Not needed"))
        .isInstanceOf(ProviderRejectedException.class);
  }

  @Test
  void aProviderThatNeverAnswersFailsFastAsUnavailable() throws Exception {
    // Accepts connections (the kernel's backlog) but never answers a byte.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      FhirProviderAdapter impatient =
          new FhirProviderAdapter(Duration.ofMillis(500), Duration.ofMillis(500));
      ProviderSettings provider =
          provider(ALL_FIELDS, "", "http://127.0.0.1:" + silent.getLocalPort() + "/fhir");

      assertTimeoutPreemptively(
          Duration.ofSeconds(10),
          () ->
              assertThatThrownBy(() -> impatient.deliver(provider, referral("ref-1", client())))
                  .isInstanceOf(ProviderUnavailableException.class));
    }
  }

  // --- fixtures ---

  private TrackedReferral deliver(String referralId) {
    DeliveryReceipt receipt = adapter.deliver(provider(ALL_FIELDS), referral(referralId, client()));
    return new TrackedReferral(referralId, receipt.providerReference());
  }

  private void providerSets(TrackedReferral tracked, Task.TaskStatus status, Instant at) {
    server.providerChangesTask(
        id(tracked), task -> task.setStatus(status).setLastModified(Date.from(at)));
  }

  private static TrackedReferral tracked(TrackedReferral delivered, Instant submittedAt) {
    return new TrackedReferral(delivered.referralId(), delivered.providerReference(), submittedAt);
  }

  /** The lower bound a logged search asked for: its {@code _lastUpdated=gt…}. */
  private static Instant since(String request) {
    java.util.regex.Matcher bound =
        java.util.regex.Pattern.compile("_lastUpdated=gt([^&]+)").matcher(decoded(request));
    assertThat(bound.find()).as("a _lastUpdated bound in %s", request).isTrue();
    return java.time.OffsetDateTime.parse(bound.group(1)).toInstant();
  }

  /** A logged request with its query decoded, as the server read it. */
  private static String decoded(String request) {
    return java.net.URLDecoder.decode(request, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String id(TrackedReferral tracked) {
    return tracked.providerReference().substring("Task/".length());
  }

  private ProviderSettings provider(Set<String> allowedFields) {
    return provider(allowedFields, "");
  }

  private ProviderSettings provider(Set<String> allowedFields, String secret) {
    return provider(allowedFields, secret, server.baseUrl());
  }

  private static ProviderSettings provider(Set<String> allowedFields, String secret, String base) {
    return new ProviderSettings(
        "prov-eastside",
        "Eastside Food Bank",
        "fhir",
        URI.create(base),
        secret,
        allowedFields,
        PROVIDER_ZONE,
        LocalTime.of(9, 0),
        LocalTime.of(17, 0),
        Duration.ofDays(2),
        Duration.ofDays(2),
        Duration.ofMinutes(15),
        true);
  }

  private static Client client() {
    return new Client(
        "px-7f3a",
        "Jane",
        "Doe",
        LocalDate.of(1980, 4, 2),
        "+15551234567",
        "jane@example.org",
        List.of("12 Elm St"),
        "Springfield",
        "IL",
        "62701",
        List.of("urn:county:mrn|MRN-4471"),
        "es");
  }

  private static OutboundReferral referral(String referralId, Client client) {
    return new OutboundReferral(
        referralId,
        "prov-eastside",
        "svc-pantry",
        "URGENT",
        AUTHORED,
        RESPOND_BY,
        new Requester("agency-north", "Northside Clinic", "Casey Morgan", "casey@north.example"),
        List.of(
            new Need(SDOH, "food-insecurity", "Food Insecurity"),
            new Need(SDOH, "housing-instability", "Housing Instability")),
        client,
        new Narrative("Needs groceries for a family of four", List.of("Stable food supply"), null),
        true,
        "consent-42");
  }
}
