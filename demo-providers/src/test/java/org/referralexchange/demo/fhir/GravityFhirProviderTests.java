package org.referralexchange.demo.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo FHIR provider in its Gravity-like mode, over HTTP with a real HAPI client: Tasks move as
 * the Gravity reference CBO application moves them (steps skipped between polls, text-only reasons,
 * a Procedure behind a completed Task), and its topic-based subscriptions notify a real loopback
 * endpoint.
 */
class GravityFhirProviderTests {

  private static final Duration DELAY = Duration.ofMillis(100);
  private static final String REFERRAL_ID = "urn:referral-exchange:referral-id";
  private static final String OWNER = "Organization/gravity-cbo";
  private static final FhirContext FHIR = FhirContext.forR4();

  private static DemoFhirProvider provider;
  private static IGenericClient client;
  private static HttpServer receiver;
  private static final List<Received> received = new CopyOnWriteArrayList<>();

  private record Received(String authorization, String contentType, Bundle bundle) {}

  @BeforeAll
  static void start() throws Exception {
    provider = DemoFhirProvider.startGravity(0, new GravityMode(DELAY, true));
    FHIR.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
    client = FHIR.newRestfulGenericClient(provider.baseUrl());
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/notifications",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          received.add(
              new Received(
                  exchange.getRequestHeaders().getFirst("Authorization"),
                  exchange.getRequestHeaders().getFirst("Content-Type"),
                  FHIR.newJsonParser().parseResource(Bundle.class, body)));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    receiver.start();
  }

  @AfterAll
  static void stop() throws Exception {
    receiver.stop(0);
    provider.close();
  }

  @Test
  void aCompleteReferralJumpsFromRequestedToCompletedInOneEditWithAProcedure() {
    String taskId = refer("Please complete the rental assistance", OWNER);
    Date writtenByRequester = read(taskId).getLastModified();

    Task task = awaitStatus(taskId, Task.TaskStatus.COMPLETED);

    // Created as version 1, completed as version 2: accepted and in-progress were never stored.
    assertThat(task.getMeta().getVersionId()).isEqualTo("2");
    assertThat(task.getLastModified()).isEqualTo(writtenByRequester);
    assertThat(task.getOutput())
        .allSatisfy(
            output ->
                assertThat(output.getType().getCodingFirstRep().getCode())
                    .isEqualTo("resulting-activity"));
    Reference performed =
        task.getOutput().stream()
            .map(Task.TaskOutputComponent::getValue)
            .filter(Reference.class::isInstance)
            .map(Reference.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(performed.getReference()).startsWith("Procedure/");
    Procedure procedure =
        client.read().resource(Procedure.class).withId(performed.getReference()).execute();
    assertThat(procedure.getStatus()).isEqualTo(Procedure.ProcedureStatus.COMPLETED);
    assertThat(procedure.getMeta().getProfile().get(0).getValue())
        .isEqualTo(GravityEdits.SDOHCC_PROCEDURE);
    assertThat(procedure.getBasedOnFirstRep().getReference())
        .isEqualTo(task.getFocus().getReference());
    assertThat(procedure.getSubject().getReference()).isEqualTo(task.getFor().getReference());
    assertThat(procedure.hasPerformedDateTimeType()).isTrue();
    CodeableConcept procedureCode =
        task.getOutput().stream()
            .map(Task.TaskOutputComponent::getValue)
            .filter(CodeableConcept.class::isInstance)
            .map(CodeableConcept.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(procedureCode.getCodingFirstRep().getCode())
        .isEqualTo(procedure.getCode().getCodingFirstRep().getCode())
        .isEqualTo("464161000124108");
  }

  @Test
  void anInProgressReferralSkipsAccepted() {
    String taskId = refer("Work is in-progress already", OWNER);

    Task task = awaitStatus(taskId, Task.TaskStatus.INPROGRESS);

    assertThat(task.getMeta().getVersionId()).isEqualTo("2");
    assertThat(task.hasStatusReason()).isFalse();
  }

  @Test
  void anOnHoldReferralIsAcceptedThenHeldWithATextOnlyReason() {
    String taskId = refer("Put it on hold until the papers arrive", OWNER);

    Task task = awaitStatus(taskId, Task.TaskStatus.ONHOLD);

    assertThat(task.getMeta().getVersionId()).isEqualTo("3");
    assertThat(task.getStatusReason().getText()).isEqualTo(GravityScript.HOLD_TEXT);
    assertThat(task.getStatusReason().getCoding()).isEmpty();
  }

  @Test
  void aDeclinedReferralIsRejectedWithATextOnlyReason() {
    String taskId = refer("Client asked us to decline if full", OWNER);

    Task task = awaitStatus(taskId, Task.TaskStatus.REJECTED);

    assertThat(task.getStatusReason().getText()).isEqualTo(GravityScript.DECLINE_TEXT);
    assertThat(task.getStatusReason().getCoding()).isEmpty();
  }

  @Test
  void anyOtherReferralIsAcceptedWithTheStatusAlone() {
    String taskId = refer("Needs a bed", OWNER);
    Date writtenByRequester = read(taskId).getLastModified();

    Task task = awaitStatus(taskId, Task.TaskStatus.ACCEPTED);

    assertThat(task.getMeta().getVersionId()).isEqualTo("2");
    assertThat(task.getLastModified()).isEqualTo(writtenByRequester);
    assertThat(task.hasStatusReason()).isFalse();
    assertThat(task.getOutput()).isEmpty();
  }

  @Test
  void theCapabilityStatementDeclaresTheTaskTopicOnlyWhenSubscriptionsAreOn() throws Exception {
    CapabilityStatement offered = client.capabilities().ofType(CapabilityStatement.class).execute();
    CapabilityStatement.CapabilityStatementRestResourceComponent subscription =
        subscriptionResource(offered).orElseThrow();
    assertThat(subscription.getSupportedProfile())
        .extracting(p -> p.getValue())
        .contains(TopicSubscriptions.SUBSCRIPTION_PROFILE);
    assertThat(subscription.getExtensionsByUrl(TopicSubscriptions.TOPIC_CANONICAL))
        .extracting(e -> e.getValue().primitiveValue())
        .containsExactly("http://hl7.org/fhir/us/sdoh-clinicalcare/SubscriptionTopic/Task");

    try (DemoFhirProvider plain = DemoFhirProvider.startGravity(0, new GravityMode(DELAY, false))) {
      CapabilityStatement none =
          FHIR.newRestfulGenericClient(plain.baseUrl())
              .capabilities()
              .ofType(CapabilityStatement.class)
              .execute();
      assertThat(subscriptionResource(none)).isEmpty();
    }
  }

  @Test
  void aSubscriptionGetsAHandshakeThenIdOnlyNotificationsOfItsTasksWithItsHeader() {
    String endpoint =
        "http://127.0.0.1:"
            + receiver.getAddress().getPort()
            + "/notifications/"
            + UUID.randomUUID();
    Subscription created =
        (Subscription)
            client.create().resource(subscription(endpoint, "id-only")).execute().getResource();
    assertThat(created.getStatus()).isEqualTo(Subscription.SubscriptionStatus.ACTIVE);
    String subscriptionRef = "Subscription/" + created.getIdElement().getIdPart();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> of(subscriptionRef, "handshake").findAny().isPresent());

    String ours = refer("Needs a bed", OWNER);
    String others = refer("Needs a bed", "Organization/someone-else");
    awaitStatus(ours, Task.TaskStatus.ACCEPTED);
    awaitStatus(others, Task.TaskStatus.ACCEPTED);

    String taskUrl = provider.baseUrl() + "/Task/" + ours;
    // One for the Task created as requested, one for the provider's accept.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                of(subscriptionRef, "event-notification")
                        .filter(r -> taskUrl.equals(focus(r.bundle())))
                        .count()
                    == 2);
    assertThat(of(subscriptionRef, "event-notification"))
        .noneMatch(r -> focus(r.bundle()).endsWith("/Task/" + others));
    assertThat(
            of(subscriptionRef, "event-notification")
                .filter(r -> taskUrl.equals(focus(r.bundle()))))
        .allSatisfy(
            notification -> {
              assertThat(notification.authorization()).isEqualTo("Bearer s3cret");
              assertThat(notification.contentType()).startsWith("application/fhir+json");
              assertThat(notification.bundle().getType()).isEqualTo(Bundle.BundleType.HISTORY);
              assertThat(focus(notification.bundle())).isEqualTo(taskUrl);
              // id-only: the Task is named, never sent.
              assertThat(notification.bundle().getEntry())
                  .noneMatch(entry -> entry.getResource() instanceof Task);
            });
  }

  @Test
  void aSubscriptionForContentTheServerDoesNotServeIsRefused() {
    assertThatThrownBy(
            () ->
                client
                    .create()
                    .resource(subscription("http://127.0.0.1:9/never", "full-resource"))
                    .execute())
        .isInstanceOf(UnprocessableEntityException.class);
    assertThat(provider.server().all(Subscription.class))
        .noneMatch(s -> s.getChannel().getEndpoint().equals("http://127.0.0.1:9/never"));
  }

  private static Subscription subscription(String endpoint, String content) {
    Subscription subscription = new Subscription();
    subscription.getMeta().addProfile(TopicSubscriptions.SUBSCRIPTION_PROFILE);
    subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
    subscription.setReason("Tests: Tasks of one owner");
    subscription.setCriteria(TopicSubscriptions.TASK_TOPIC);
    subscription
        .getCriteriaElement()
        .addExtension(TopicSubscriptions.FILTER_CRITERIA, new StringType("Task?owner=" + OWNER));
    Subscription.SubscriptionChannelComponent channel = subscription.getChannel();
    channel.setType(Subscription.SubscriptionChannelType.RESTHOOK);
    channel.setEndpoint(endpoint);
    channel.setPayload("application/fhir+json");
    channel
        .getPayloadElement()
        .addExtension(TopicSubscriptions.PAYLOAD_CONTENT, new CodeType(content));
    channel.addHeader("Authorization: Bearer s3cret");
    return subscription;
  }

  private static java.util.stream.Stream<Received> of(String subscriptionRef, String type) {
    return received.stream()
        .filter(r -> subscriptionRef.equals(parameter(r.bundle(), "subscription")))
        .filter(r -> type.equals(parameter(r.bundle(), "type")));
  }

  private static String parameter(Bundle bundle, String name) {
    Parameters status = (Parameters) bundle.getEntryFirstRep().getResource();
    var parameter = status.getParameter(name);
    if (parameter == null) {
      return null;
    }
    return parameter.getValue() instanceof Reference reference
        ? reference.getReference()
        : parameter.getValue().primitiveValue();
  }

  private static String focus(Bundle bundle) {
    Parameters status = (Parameters) bundle.getEntryFirstRep().getResource();
    return status.getParameter().stream()
        .filter(p -> "notification-event".equals(p.getName()))
        .flatMap(p -> p.getPart().stream())
        .filter(part -> "focus".equals(part.getName()))
        .map(part -> ((Reference) part.getValue()).getReference())
        .findFirst()
        .orElse(null);
  }

  private static Optional<CapabilityStatement.CapabilityStatementRestResourceComponent>
      subscriptionResource(CapabilityStatement capabilities) {
    return capabilities.getRest().stream()
        .flatMap(rest -> rest.getResource().stream())
        .filter(resource -> "Subscription".equals(resource.getType()))
        .findFirst();
  }

  /** Creates Patient, ServiceRequest and Task as the exchange does; returns the Task's id. */
  private static String refer(String narrative, String owner) {
    String referralId = UUID.randomUUID().toString();
    String patientUrl = "urn:uuid:" + UUID.randomUUID();
    String requestUrl = "urn:uuid:" + UUID.randomUUID();
    Patient patient = new Patient();
    patient.addIdentifier(
        new Identifier().setSystem("urn:referral-exchange:client-pseudonym").setValue(referralId));
    ServiceRequest request = new ServiceRequest();
    request.addIdentifier(new Identifier().setSystem(REFERRAL_ID).setValue(referralId));
    request.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
    request.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    request.setCode(
        new CodeableConcept()
            .addCoding(
                new Coding(
                    "http://snomed.info/sct", "464161000124108", "Referral to housing program")));
    request.setSubject(new Reference(patientUrl));
    request.addNote().setText(narrative);
    Task task = new Task();
    task.addIdentifier(new Identifier().setSystem(REFERRAL_ID).setValue(referralId));
    task.setStatus(Task.TaskStatus.REQUESTED);
    task.setIntent(Task.TaskIntent.ORDER);
    task.setFocus(new Reference(requestUrl));
    task.setFor(new Reference(patientUrl));
    task.setOwner(new Reference(owner));
    task.setLastModified(new Date());
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    add(transaction, patientUrl, patient);
    add(transaction, requestUrl, request);
    add(transaction, "urn:uuid:" + UUID.randomUUID(), task);

    Bundle response = client.transaction().withBundle(transaction).execute();

    return new IdType(response.getEntry().get(2).getResponse().getLocation()).getIdPart();
  }

  private static void add(Bundle bundle, String fullUrl, Resource resource) {
    bundle
        .addEntry()
        .setFullUrl(fullUrl)
        .setResource(resource)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl(resource.fhirType());
  }

  private static Task read(String taskId) {
    return client.read().resource(Task.class).withId(taskId).execute();
  }

  private static Task awaitStatus(String taskId, Task.TaskStatus status) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> read(taskId), task -> task.getStatus() == status);
  }
}
