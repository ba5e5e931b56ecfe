package org.referralexchange.demo.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.demo.DemoAnswers;

/**
 * The FHIR demo provider against a real HAPI client: referrals are created over HTTP as the
 * exchange's {@code fhir} kind creates them (one transaction of conditional creates, the narrative
 * in the ServiceRequest's notes), and the Task is read back over HTTP.
 */
class DemoFhirProviderTests {

  private static final Duration DELAY = Duration.ofMillis(100);
  private static final String REFERRAL_ID = "urn:referral-exchange:referral-id";

  private static DemoFhirProvider provider;
  private static IGenericClient client;

  @BeforeAll
  static void start() throws Exception {
    provider = DemoFhirProvider.start(0, new DemoAnswers(DELAY));
    FhirContext fhir = FhirContext.forR4();
    fhir.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    client = fhir.newRestfulGenericClient(provider.baseUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    provider.close();
  }

  @Test
  void aPlainReferralIsAccepted() {
    String taskId = refer("Needs help with rent");

    Task task = awaitStatusOtherThanRequested(taskId);

    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.ACCEPTED);
    assertThat(task.hasStatusReason()).isFalse();
    assertThat(task.getLastModified().toInstant()).isAfter(Instant.now().minusSeconds(30));
    assertThat(task.getOutput()).isEmpty();
  }

  @Test
  void aDeclineNarrativeIsRejectedWithACodedReason() {
    String taskId = refer("Client asked us to DECLINE if full");

    Task task = awaitStatusOtherThanRequested(taskId);

    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.REJECTED);
    assertThat(task.getStatusReason().getCodingFirstRep().getSystem())
        .isEqualTo(DemoAnswers.REASON_SYSTEM);
    assertThat(task.getStatusReason().getCodingFirstRep().getCode()).isEqualTo("no-capacity");
    assertThat(task.getStatusReason().getText()).isEqualTo("No capacity this month (demo)");
  }

  @Test
  void aCompleteNarrativeIsAcceptedThenCompletedWithACost() {
    String taskId = refer("Please complete the food box delivery");

    assertThat(awaitStatusOtherThanRequested(taskId).getStatus())
        .isIn(Task.TaskStatus.ACCEPTED, Task.TaskStatus.COMPLETED);
    Task task =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> read(taskId), t -> t.getStatus() == Task.TaskStatus.COMPLETED);

    assertThat(task.getOutput())
        .allSatisfy(
            output ->
                assertThat(output.getType().getCodingFirstRep().getCode())
                    .isEqualTo("resulting-activity"));
    assertThat(task.getOutput())
        .filteredOn(output -> output.getValue() instanceof StringType)
        .singleElement()
        .satisfies(
            output ->
                assertThat(output.getValue().primitiveValue()).isEqualTo("Demo service delivered"));
    Money cost =
        task.getOutput().stream()
            .map(Task.TaskOutputComponent::getValue)
            .filter(Money.class::isInstance)
            .map(Money.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(cost.getValue()).isEqualByComparingTo(new BigDecimal("42.50"));
    assertThat(cost.getCurrency()).isEqualTo("USD");
  }

  @Test
  void aSilentNarrativeIsNeverAnswered() {
    String taskId = refer("silent please");

    awaitALaterReferralAnswered();

    assertThat(read(taskId).getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
    assertThat(read(taskId).getMeta().getVersionId()).isEqualTo("1");
  }

  @Test
  void aTaskTheExchangeCancelledIsLeftAlone() {
    String taskId = refer("Needs a shelter bed");
    Task task = read(taskId);
    task.setStatus(Task.TaskStatus.CANCELLED);
    client.update().resource(task).execute();

    awaitALaterReferralAnswered();

    assertThat(read(taskId).getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
    assertThat(read(taskId).getMeta().getVersionId()).isEqualTo("2");
  }

  /**
   * Refers a plain referral now and waits until it is accepted: the provider looks at every Task on
   * each tick, so an answer due to an earlier Task would have been given by then.
   */
  private static void awaitALaterReferralAnswered() {
    assertThat(awaitStatusOtherThanRequested(refer("Needs groceries")).getStatus())
        .isEqualTo(Task.TaskStatus.ACCEPTED);
  }

  /** Creates Patient, ServiceRequest and Task in one transaction; returns the Task's id. */
  private static String refer(String narrative) {
    String referralId = UUID.randomUUID().toString();
    String patientUrl = "urn:uuid:" + UUID.randomUUID();
    String requestUrl = "urn:uuid:" + UUID.randomUUID();
    Patient patient = new Patient();
    patient.addIdentifier(
        new Identifier().setSystem("urn:referral-exchange:client-pseudonym").setValue(referralId));
    ServiceRequest request = new ServiceRequest();
    request.addIdentifier(referralIdentifier(referralId));
    request.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
    request.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    request.setSubject(new Reference(patientUrl));
    request.addNote().setText(narrative);
    request.addNote().setText("Referring case manager: Sam Case <sam@agency.example>");
    Task task = new Task();
    task.addIdentifier(referralIdentifier(referralId));
    task.setStatus(Task.TaskStatus.REQUESTED);
    task.setIntent(Task.TaskIntent.ORDER);
    task.setFocus(new Reference(requestUrl));
    task.setFor(new Reference(patientUrl));
    task.setLastModified(new Date());
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    add(transaction, patientUrl, patient, "urn:referral-exchange:client-pseudonym|" + referralId);
    add(transaction, requestUrl, request, REFERRAL_ID + "|" + referralId);
    add(transaction, "urn:uuid:" + UUID.randomUUID(), task, REFERRAL_ID + "|" + referralId);

    Bundle response = client.transaction().withBundle(transaction).execute();

    return new IdType(response.getEntry().get(2).getResponse().getLocation()).getIdPart();
  }

  private static void add(Bundle bundle, String fullUrl, Resource resource, String identifier) {
    bundle
        .addEntry()
        .setFullUrl(fullUrl)
        .setResource(resource)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl(resource.fhirType())
        .setIfNoneExist("identifier=" + identifier);
  }

  private static Identifier referralIdentifier(String referralId) {
    return new Identifier().setSystem(REFERRAL_ID).setValue(referralId);
  }

  private static Task read(String taskId) {
    return client.read().resource(Task.class).withId(taskId).execute();
  }

  private static Task awaitStatusOtherThanRequested(String taskId) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> read(taskId), task -> task.getStatus() != Task.TaskStatus.REQUESTED);
  }
}
