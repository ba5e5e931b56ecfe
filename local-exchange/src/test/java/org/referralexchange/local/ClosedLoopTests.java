package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.referralexchange.local.LoopDriver.statuses;
import static org.referralexchange.local.LoopDriver.step;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.schemas.Topics;
import org.referralexchange.webhooks.StandardWebhooks;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole loop, end to end, through the gateway's HTTP API only: the launcher's own components (a
 * real broker as a child process, the stand-in registry, the gateway, the adapter and the notifier
 * in this JVM, a HAPI FHIR provider, a webhook provider, GreenMail as the mail catcher and a Twilio
 * stand-in as the SMS catcher), with clocks short enough for a test. Each scenario checks the case
 * manager hears exactly once per channel; the last test scans every topic's raw bytes for the
 * client data sent in. The rows of issue 11's table are played here as a provider's own system
 * would play them, on both kinds of provider: Tasks edited on the FHIR server (requested straight
 * to completed or in-progress, accepted then on-hold, rejected in words only) and signed webhook
 * callbacks (out of order, jumps, reasons in words only, a report no path reaches).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClosedLoopTests {

  private static final Duration REQUEST_TIMEOUT = LoopDriver.REQUEST_TIMEOUT;
  private static final Duration LOOP_TIMEOUT = Duration.ofSeconds(90);
  private static final JsonMapper JSON = LoopDriver.JSON;

  /** Client data sent with every referral; none of it may appear in clear on any topic. */
  private static final List<String> CANARIES =
      List.of(
          "Quixote-Canary",
          "Sancho-Canary",
          "+15555550199",
          "1961-07-04",
          "77 Canary Lane",
          "MRN-CANARY-1",
          "quixote.canary@example.org",
          "Canary-narrative-7731");

  private static final String CASE_MANAGER_EMAIL = LoopDriver.CASE_MANAGER_EMAIL;
  private static final String CASE_MANAGER_MOBILE = LoopDriver.CASE_MANAGER_MOBILE;

  /**
   * The demo providers' names in the provider directory (the adapter's file): what messages say.
   */
  private static final String NORTHSIDE = "Northside Food Bank";

  private static final String RIVERSIDE = "Riverside Housing Program";

  /** The demo email-intake provider, its intake address and its name. */
  private static final String PANTRY = "community-pantry";

  private static final String PANTRY_INTAKE_ADDRESS = "intake@community-pantry.example";
  private static final String PANTRY_NAME = "Community Pantry";

  /** The subject of the intake email that a referral waits (no referral id: it is no secret). */
  private static final String INTAKE_SUBJECT = "A referral is waiting for your answer";

  /** The canaries the pantry's allow-list lets its page show: givenName, familyName, phone. */
  private static final List<String> PANTRY_MAY_SEE =
      List.of("Quixote-Canary", "Sancho-Canary", "+15555550199");

  /** Demo staff of the referring agency (county-hhs) and of another (harbor-shelter). */
  private static final String REFERRING_STAFF = "cm-7";

  private static final String OTHER_AGENCY_STAFF = "cm-harbor-1";

  @TempDir static Path localDir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  private LoopDriver driver;
  private LocalExchange exchange;
  private KafkaBrokerComponent kafka;
  private SchemaRegistryComponent registry;
  private DemoSeedComponent seed;
  private String keysetOnFirstStart;
  private MailCatcherComponent mail;
  private SmsCatcherComponent sms;
  private DemoProvidersComponent providers;
  private GatewayComponent gateway;
  private AdapterComponent adapter;
  private NotifierComponent notifier;
  private KafkaConsumer<byte[], byte[]> endReader;
  private String clientId;
  private String consentId;

  /** Everything the exchange's parts log to the console while this class runs (a copy). */
  private final ByteArrayOutputStream consoleCopy = new ByteArrayOutputStream();

  /**
   * Web pages the tests opened that must hold no client data, or only some: the place's name, its
   * HTML and the canaries it must not hold. The canary scan reads them with everything else.
   */
  private final Map<String, Scanned> pagesToScan = new java.util.LinkedHashMap<>();

  private record Scanned(String text, List<String> canaries) {}

  private void pageToScan(String place, String html, List<String> mustNotHold) {
    pagesToScan.put(place, new Scanned(html, mustNotHold));
  }

  private PrintStream originalOut;

  @BeforeAll
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void startTheWholeExchange() throws Exception {
    // Before any service starts: Logback's console appenders write to System.out as they find it.
    originalOut = System.out;
    System.setOut(new PrintStream(new TeeOutputStream(originalOut, consoleCopy), true));
    List<LocalComponent> components =
        LocalExchange.components(LoopDriver.settings(localDir), LoopDriver.testClocks());
    List<LocalComponent> parts = LoopDriver.parts(components);
    kafka = LoopDriver.only(parts, KafkaBrokerComponent.class);
    registry = LoopDriver.only(parts, SchemaRegistryComponent.class);
    mail = LoopDriver.only(parts, MailCatcherComponent.class);
    sms = LoopDriver.only(parts, SmsCatcherComponent.class);
    providers = LoopDriver.only(parts, DemoProvidersComponent.class);
    gateway = LoopDriver.only(parts, GatewayComponent.class);
    adapter = LoopDriver.only(parts, AdapterComponent.class);
    notifier = LoopDriver.only(parts, NotifierComponent.class);
    seed = LoopDriver.only(parts, DemoSeedComponent.class);
    driver = new LoopDriver(gateway, mail, sms);
    exchange = new LocalExchange(components);
    exchange.start();
    keysetOnFirstStart = Files.readString(gateway.keysetFile());
    clientId = "client-" + UUID.randomUUID();
    consentId = recordConsent(clientId);
  }

  @AfterAll
  void stopExchange() {
    if (endReader != null) {
      endReader.close();
    }
    if (exchange != null) {
      exchange.stop();
    }
    if (originalOut != null) {
      System.setOut(originalOut);
    }
  }

  /** Writes to two streams; the copy is synchronized, as several threads log at once. */
  private static final class TeeOutputStream extends OutputStream {
    private final OutputStream first;
    private final ByteArrayOutputStream copy;

    TeeOutputStream(OutputStream first, ByteArrayOutputStream copy) {
      this.first = first;
      this.copy = copy;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      synchronized (copy) {
        copy.write(b);
      }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      first.write(bytes, offset, length);
      synchronized (copy) {
        copy.write(bytes, offset, length);
      }
    }

    @Override
    public void flush() throws IOException {
      first.flush();
    }
  }

  // --- what the launcher started and prints ---

  @Test
  @Order(0)
  void printsEveryPartsAddressTheDemoKeysAndTheDemoConsent() {
    assertThat(exchange.addresses())
        .contains("Kafka bootstrap", kafka.bootstrapServers())
        .contains(kafka.logFile().toString())
        .contains("Schema registry", registry.url())
        .contains(gateway.url() + "/api/v1", gateway.url() + "/swagger-ui.html")
        .contains("local-county-hhs-key", "local-shelter-key", "local-foodbank-key")
        .contains(gateway.keysetFile().toString())
        .contains("Adapter health", "Notifier health")
        .contains(mail.smtp(), mail.folder().toString(), sms.url(), sms.folder().toString())
        .contains(providers.webhookEndpoint(), providers.fhirBaseUrl())
        .contains(DemoSeedComponent.DEMO_CLIENT_ID, seed.consentId());
  }

  @Test
  @Order(0)
  void brokerRunsAsAChildProcessOfTheLauncher() {
    ProcessHandle broker = kafka.process().orElseThrow();

    assertThat(broker.isAlive()).isTrue();
    assertThat(broker.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
  }

  @Test
  @Order(0)
  void schemaRegistryAnswersGetSubjects() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(registry.url() + "/subjects"))
                .timeout(REQUEST_TIMEOUT)
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("referral.submitted-value");
  }

  @Test
  @Order(0)
  void eachPrintedDemoKeyAuthenticatesItsAgency() throws Exception {
    for (Map.Entry<String, String> demo : GatewayComponent.DEMO_API_KEYS.entrySet()) {
      HttpResponse<String> me = get("/api/v1/me", demo.getValue());

      assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
      assertThat(me.body()).contains("\"agencyId\":\"" + demo.getKey() + "\"");
    }
    assertThat(get("/api/v1/me", null).statusCode()).isEqualTo(401);
  }

  @Test
  @Order(0)
  void theSeededDemoConsentIsActiveAndCoversBothDemoProviders() throws Exception {
    HttpResponse<String> consent = get("/api/v1/consents/" + seed.consentId());

    assertThat(consent.statusCode()).as(consent.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(consent.body());
    assertThat(body.path("status").asString()).isEqualTo("ACTIVE");
    assertThat(body.path("recipientProviderIds").toString())
        .contains(
            DemoProvidersComponent.WEBHOOK_PROVIDER_ID, DemoProvidersComponent.FHIR_PROVIDER_ID);
  }

  @Test
  @Order(0)
  void createsTheKeysetOwnerOnlyOnTheFirstStart() throws Exception {
    assertThat(gateway.keysetCreated()).isTrue();
    assertThat(keysetOnFirstStart).contains("\"primaryKeyId\"");
    if (Files.getFileStore(gateway.keysetFile()).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(gateway.keysetFile())))
          .isEqualTo("rw-------");
    }
  }

  // --- the loop ---

  @Test
  @Order(1)
  void acceptedByTheWebhookProviderTellsTheCaseManagerOnceByEmailAndOnceBySms() throws Exception {
    String referralId = submit("northside-food-bank", "emergency-groceries", "Out of food", null);

    awaitStatus(referralId, "ACCEPTED");
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);

    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": accepted by " + NORTHSIDE);
    assertThat(providers.webhook().receivedReferralIds()).containsOnlyOnce(referralId);
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(2)
  void declinedWithAReasonTellsTheCaseManagerTheReason() throws Exception {
    String referralId =
        submit("northside-food-bank", "emergency-groceries", "Please decline this one", null);

    JsonNode referral = awaitStatus(referralId, "REJECTED");
    awaitEmails(referralId, 1);

    // The timeline has the provider's words; the email and the SMS only its code, as the free
    // text may name the client.
    JsonNode declined = step(referral, "REJECTED");
    String reasonCode = declined.path("reasonCode").asString();
    String reasonText = declined.path("reasonText").asString();
    assertThat(reasonCode).isEqualTo("no-capacity");
    assertThat(reasonText).isNotBlank();
    awaitSms(referralId, 1);
    MimeMessage email = emails(referralId).get(0);
    assertThat(email.getSubject())
        .isEqualTo("Referral " + referralId + ": declined by " + NORTHSIDE);
    assertThat(decoded(email)).contains("Reason: " + reasonCode).doesNotContain(reasonText);
    assertThat(texts(referralId).get(0).body())
        .contains("(" + reasonCode + ")")
        .doesNotContain(reasonText);
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(3)
  void completedByTheFhirProviderWithACostTellsTheCaseManagerTheCost() throws Exception {
    String referralId =
        submit("riverside-housing", "rapid-rehousing", "Accept and complete, please", null);

    JsonNode referral = awaitStatus(referralId, "COMPLETED");
    awaitEmails(referralId, 2);

    JsonNode completed = step(referral, "COMPLETED");
    assertThat(completed.path("outcome").path("costAmount").isNumber())
        .as(referral.toString())
        .isTrue();
    assertThat(subjects(referralId))
        .containsExactlyInAnyOrder(
            "Referral " + referralId + ": accepted by " + RIVERSIDE,
            "Referral " + referralId + ": service completed by " + RIVERSIDE);
    MimeMessage completedEmail =
        emails(referralId).stream()
            .filter(m -> subject(m).contains("completed"))
            .findFirst()
            .orElseThrow();
    assertThat(content(completedEmail))
        .contains(completed.path("outcome").path("costAmount").decimalValue().toPlainString());
    assertStaysExactlyOnce(referralId, 2, 2);
  }

  @Test
  @Order(4)
  void revokingTheConsentWhileInFlightWithdrawsTheReferralFromTheFhirProvider() throws Exception {
    String otherClient = "client-" + UUID.randomUUID();
    String otherConsent = recordConsent(otherClient);
    String referralId =
        submit(
            "riverside-housing",
            "shelter-bed",
            "Stay silent while we think",
            null,
            otherClient,
            otherConsent);
    await().atMost(LOOP_TIMEOUT).until(() -> taskFor(referralId) != null);

    HttpResponse<String> revoked =
        post(
            "/api/v1/consents/" + otherConsent + "/revocation",
            "{\"reasonCode\": \"client-request\", \"reasonText\": \"Client asked\"}",
            null);
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);

    awaitStatus(referralId, "CANCELLED");
    await()
        .atMost(LOOP_TIMEOUT)
        .untilAsserted(
            () -> assertThat(taskFor(referralId).getStatus()).isEqualTo(Task.TaskStatus.CANCELLED));
    // Cancelled by the exchange, not by the case manager: they are told, once per channel.
    awaitEmails(referralId, 1);
    assertThat(subjects(referralId).get(0)).contains("cancelled by the exchange");
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(5)
  void noAnswerByRespondByRemindsTheCaseManagerThenReturnsTheReferral() throws Exception {
    Instant respondBy = Instant.now().plusSeconds(8);
    String referralId =
        submit("northside-food-bank", "emergency-groceries", "silent please", respondBy);

    JsonNode referral = awaitStatus(referralId, "FAILED");
    awaitEmails(referralId, 2);

    assertThat(step(referral, "FAILED").path("reasonCode").asString()).isEqualTo("no-response");
    assertThat(subjects(referralId))
        .containsExactly(
            "Referral " + referralId + ": " + NORTHSIDE + " has not answered yet",
            "Referral " + referralId + ": returned to you, " + NORTHSIDE + " did not answer");
    assertStaysExactlyOnce(referralId, 2, 2);
  }

  // --- the issue's table: a provider's reports as real providers send them ---
  // Each referral says "silent", so the demo provider does not answer by itself; the test plays the
  // provider: on the FHIR server it edits the Task as the provider's own system would, and to the
  // adapter it sends the provider's signed Standard Webhooks callbacks.

  @Test
  @Order(6)
  void fhirTaskMovedFromRequestedToCompletedBetweenPollsIsOneCompletedStepAndOneCompletedMessage()
      throws Exception {
    String referralId = submitSilent(FHIR, "rapid-rehousing", "Silent FHIR straight to completed");
    Task task = awaitTask(referralId);

    providers
        .fhir()
        .server()
        .providerChangesTask(
            task.getIdElement().getIdPart(),
            edited -> {
              edited.setStatus(Task.TaskStatus.COMPLETED);
              edited.setLastModified(new java.util.Date());
              String procedure = providerPerformed(edited);
              edited.addOutput().setType(resultingActivity()).setValue(new Reference(procedure));
              Money cost = new Money();
              cost.setValue(new BigDecimal("310.00"));
              cost.setCurrency("USD");
              edited.addOutput().setType(resultingActivity()).setValue(cost);
            });

    JsonNode referral = awaitStatus(referralId, "COMPLETED");
    assertThat(statuses(referral)).containsExactly("REQUESTED", "COMPLETED");
    JsonNode completed = step(referral, "COMPLETED");
    assertThat(skipped(completed)).containsExactly("ACCEPTED");
    assertThat(completed.path("outcome").path("delivered").asString())
        .as(referral.toString())
        .contains("Household re-housed");
    assertThat(completed.path("outcome").path("costAmount").decimalValue())
        .isEqualByComparingTo("310.00");
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": service completed by " + RIVERSIDE);
    await()
        .atMost(LOOP_TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(serviceRequestFor(task).getStatus())
                    .isEqualTo(ServiceRequest.ServiceRequestStatus.COMPLETED));
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(7)
  void fhirTaskMovedFromRequestedToInProgressIsOneInProgressStepAndTheAcceptedMessage()
      throws Exception {
    String referralId = submitSilent(FHIR, "shelter-bed", "Silent FHIR straight to in-progress");
    Task task = awaitTask(referralId);

    providers
        .fhir()
        .server()
        .providerChangesTask(
            task.getIdElement().getIdPart(),
            edited -> {
              edited.setStatus(Task.TaskStatus.INPROGRESS);
              edited.setLastModified(new java.util.Date());
            });

    JsonNode referral = awaitStatus(referralId, "IN_PROGRESS");
    assertThat(statuses(referral)).containsExactly("REQUESTED", "IN_PROGRESS");
    assertThat(skipped(step(referral, "IN_PROGRESS"))).containsExactly("ACCEPTED");
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": accepted by " + RIVERSIDE);
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(8)
  void fhirTaskPutOnHoldAfterAcceptedWithATextOnlyReasonIsRecordedAfterOneAcceptedMessage()
      throws Exception {
    String referralId = submitSilent(FHIR, "shelter-bed", "Silent FHIR accepted then on hold");
    String taskId = awaitTask(referralId).getIdElement().getIdPart();
    String holdText = "Waiting for a unit to free up";

    // As the Gravity application edits: the status alone, Task.lastModified left as it was.
    providers
        .fhir()
        .server()
        .providerChangesTask(taskId, edited -> edited.setStatus(Task.TaskStatus.ACCEPTED));
    awaitStatus(referralId, "ACCEPTED");
    providers
        .fhir()
        .server()
        .providerChangesTask(
            taskId,
            edited -> {
              edited.setStatus(Task.TaskStatus.ONHOLD);
              edited.setStatusReason(new CodeableConcept().setText(holdText));
            });

    JsonNode referral = awaitStatus(referralId, "ON_HOLD");
    assertThat(statuses(referral)).containsExactly("REQUESTED", "ACCEPTED", "ON_HOLD");
    JsonNode onHold = step(referral, "ON_HOLD");
    assertThat(skipped(onHold)).isEmpty();
    assertThat(onHold.path("reasonCode").asString()).isEqualTo("other");
    assertThat(onHold.path("reasonText").asString()).isEqualTo(holdText);
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": accepted by " + RIVERSIDE);
    assertNoMessageHolds(referralId, holdText);
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(9)
  void fhirTaskRejectedWithATextOnlyReasonIsCodedOtherAndTheMessagesCarryOnlyTheCode()
      throws Exception {
    String referralId = submitSilent(FHIR, "rapid-rehousing", "Silent FHIR rejected in words");
    String taskId = awaitTask(referralId).getIdElement().getIdPart();
    String declineText = "Household is outside our service area";

    providers
        .fhir()
        .server()
        .providerChangesTask(
            taskId,
            edited -> {
              edited.setStatus(Task.TaskStatus.REJECTED);
              edited.setStatusReason(new CodeableConcept().setText(declineText));
            });

    JsonNode referral = awaitStatus(referralId, "REJECTED");
    assertThat(statuses(referral)).containsExactly("REQUESTED", "REJECTED");
    JsonNode rejected = step(referral, "REJECTED");
    assertThat(rejected.path("reasonCode").asString()).isEqualTo("other");
    assertThat(rejected.path("reasonText").asString()).isEqualTo(declineText);
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": declined by " + RIVERSIDE);
    assertThat(decoded(emails(referralId).get(0))).contains("Reason: other");
    assertThat(texts(referralId).get(0).body()).contains("(other)");
    assertNoMessageHolds(referralId, declineText);
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(10)
  void webhookCompletedArrivingBeforeAcceptedIsOneCompletedStepAndOneCompletedMessage()
      throws Exception {
    String referralId = submitSilent(WEBHOOK, "emergency-groceries", "Silent webhook out of order");
    Instant acceptedAt = Instant.now().minusSeconds(5);

    HttpResponse<String> completed =
        providerReports(
            referralId,
            "completed",
            null,
            Map.of(
                "delivered",
                "Two weeks of groceries",
                "cost",
                Map.of("amount", 64.2, "currency", "USD")),
            Instant.now());
    HttpResponse<String> late = providerReports(referralId, "accepted", null, null, acceptedAt);

    assertThat(completed.statusCode()).as(completed.body()).isBetween(200, 299);
    assertThat(late.statusCode()).as(late.body()).isBetween(200, 299);
    JsonNode referral = awaitStatus(referralId, "COMPLETED");
    assertThat(statuses(referral)).containsExactly("REQUESTED", "COMPLETED");
    JsonNode step = step(referral, "COMPLETED");
    assertThat(skipped(step)).containsExactly("ACCEPTED");
    assertThat(step.path("outcome").path("costAmount").decimalValue())
        .isEqualByComparingTo("64.20");
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": service completed by " + NORTHSIDE);
    assertStaysExactlyOnce(referralId, 1, 1);
    assertThat(statuses(awaitStatus(referralId, "COMPLETED")))
        .as("the late accepted is recorded nowhere")
        .containsExactly("REQUESTED", "COMPLETED");
  }

  @Test
  @Order(11)
  void webhookInProgressStraightFromRequestedIsOneInProgressStepAndTheAcceptedMessage()
      throws Exception {
    String referralId = submitSilent(WEBHOOK, "home-delivered-meals", "Silent webhook in progress");

    HttpResponse<String> response =
        providerReports(referralId, "in-progress", null, null, Instant.now());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    JsonNode referral = awaitStatus(referralId, "IN_PROGRESS");
    assertThat(statuses(referral)).containsExactly("REQUESTED", "IN_PROGRESS");
    assertThat(skipped(step(referral, "IN_PROGRESS"))).containsExactly("ACCEPTED");
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": accepted by " + NORTHSIDE);
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(12)
  void webhookOnHoldAfterAcceptedWithATextOnlyReasonIsRecordedAfterOneAcceptedMessage()
      throws Exception {
    String referralId = submitSilent(WEBHOOK, "emergency-groceries", "Silent webhook on hold");
    String holdText = "Pantry closed for restocking";

    HttpResponse<String> accepted =
        providerReports(referralId, "accepted", null, null, Instant.now().minusSeconds(2));
    HttpResponse<String> onHold =
        providerReports(referralId, "on-hold", Map.of("text", holdText), null, Instant.now());

    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    assertThat(onHold.statusCode()).as(onHold.body()).isEqualTo(202);
    JsonNode referral = awaitStatus(referralId, "ON_HOLD");
    assertThat(statuses(referral)).containsExactly("REQUESTED", "ACCEPTED", "ON_HOLD");
    JsonNode step = step(referral, "ON_HOLD");
    assertThat(skipped(step)).isEmpty();
    assertThat(step.path("reasonCode").asString()).isEqualTo("other");
    assertThat(step.path("reasonText").asString()).isEqualTo(holdText);
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": accepted by " + NORTHSIDE);
    assertNoMessageHolds(referralId, holdText);
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(13)
  void webhookRejectedWithATextOnlyReasonIsCodedOtherAndTheMessagesCarryOnlyTheCode()
      throws Exception {
    String referralId = submitSilent(WEBHOOK, "emergency-groceries", "Silent webhook in words");
    String declineText = "We only serve the east side of the river";

    HttpResponse<String> response =
        providerReports(referralId, "rejected", Map.of("text", declineText), null, Instant.now());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    JsonNode referral = awaitStatus(referralId, "REJECTED");
    assertThat(statuses(referral)).containsExactly("REQUESTED", "REJECTED");
    JsonNode step = step(referral, "REJECTED");
    assertThat(step.path("reasonCode").asString()).isEqualTo("other");
    assertThat(step.path("reasonText").asString()).isEqualTo(declineText);
    awaitEmails(referralId, 1);
    awaitSms(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": declined by " + NORTHSIDE);
    assertThat(decoded(emails(referralId).get(0))).contains("Reason: other");
    assertThat(texts(referralId).get(0).body()).contains("(other)");
    assertNoMessageHolds(referralId, declineText);
    assertStaysExactlyOnce(referralId, 1, 1);
  }

  @Test
  @Order(14)
  void webhookReportNoPathReachesAfterCompletedIsRefusedWith409AndChangesNothing()
      throws Exception {
    String referralId = submitSilent(WEBHOOK, "emergency-groceries", "Silent webhook goes back");
    HttpResponse<String> completed =
        providerReports(
            referralId, "completed", null, Map.of("delivered", "Groceries"), Instant.now());
    assertThat(completed.statusCode()).as(completed.body()).isEqualTo(202);
    JsonNode before = awaitStatus(referralId, "COMPLETED");
    awaitEmails(referralId, 1);

    // "received" is an older system's "still requested": a completed referral never goes back.
    HttpResponse<String> backToRequested =
        providerReports(referralId, "received", null, null, Instant.now());
    HttpResponse<String> cancelled =
        providerReports(referralId, "cancelled", Map.of("code", "duplicate"), null, Instant.now());

    for (HttpResponse<String> refused : List.of(backToRequested, cancelled)) {
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
      assertThat(refused.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
      assertThat(JSON.readTree(refused.body()).path("type").asString())
          .isEqualTo("/problems/transition-refused");
    }
    assertStaysExactlyOnce(referralId, 1, 1);
    JsonNode after = awaitStatus(referralId, "COMPLETED");
    assertThat(after.path("timeline")).isEqualTo(before.path("timeline"));
  }

  // --- the web pages: a provider's intake page and the case manager's pages ---

  /**
   * A food pantry with no system of its own (the email-intake kind): its email carries no client
   * data, only a link to the adapter's page; the page shows exactly the pantry's allow-listed
   * fields; accepting there tells the case manager, whose email links to the referral's page. On
   * the gateway's pages the referring agency's staff see the client; another agency's staff get a
   * "not found" page and a list without it. The pages that must hold no client data are kept for
   * {@link #noMessageCaughtFileOrLogLineHoldsClientData}.
   */
  @Test
  @Order(15)
  void aPantryAcceptsOnItsIntakePageSeeingOnlyItsFieldsAndOnlyTheReferringAgencySeesTheClient()
      throws Exception {
    String client = "client-" + UUID.randomUUID();
    String consent = recordConsentCoveringThePantry(client);
    String referralId =
        submit(
            PANTRY,
            "food-pantry",
            "Pantry intake",
            Instant.now().plus(Duration.ofHours(1)),
            client,
            consent);

    // The intake email: no client data, a link to the adapter's page for this referral.
    MimeMessage intakeEmail = awaitIntakeEmail(referralId);
    assertThat(subject(intakeEmail)).isEqualTo(INTAKE_SUBJECT);
    for (String canary : CANARIES) {
      assertThat(decoded(intakeEmail)).doesNotContain(canary);
      assertThat(content(intakeEmail)).doesNotContain(canary);
    }
    String link = PageVisitor.intakeLink(decoded(intakeEmail), adapter.url(), referralId);

    // The page: the pantry's allow-listed fields, and none of the others.
    PageVisitor pantry = new PageVisitor();
    HttpResponse<String> page = pantry.get(link);
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    assertThat(page.body()).contains(PANTRY_MAY_SEE);
    List<String> pantryMayNotSee =
        CANARIES.stream().filter(canary -> !PANTRY_MAY_SEE.contains(canary)).toList();
    assertThat(pantryMayNotSee).contains("77 Canary Lane", "Canary-narrative-7731");
    for (String canary : pantryMayNotSee) {
      assertThat(page.body()).doesNotContain(canary);
    }
    pageToScan("intake page of " + referralId + " as opened", page.body(), pantryMayNotSee);

    HttpResponse<String> accepted = pantry.submit(page, link + "/accept", Map.of());
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(303);
    String recordedAt =
        URI.create(link)
            .resolve(accepted.headers().firstValue("Location").orElseThrow())
            .toString();
    HttpResponse<String> recorded = pantry.get(recordedAt);
    assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(200);
    assertThat(recorded.body()).contains("Recorded");
    pageToScan(
        "intake page of " + referralId + " after accepting", recorded.body(), pantryMayNotSee);

    // The case manager hears of it, with a link to the referral's page (not the JSON API).
    awaitStatus(referralId, "ACCEPTED");
    awaitEmails(referralId, 1);
    assertThat(subjects(referralId))
        .containsExactly("Referral " + referralId + ": accepted by " + PANTRY_NAME);
    assertThat(decoded(emails(referralId).get(0)))
        .contains(gateway.url() + "/referrals/" + referralId)
        .doesNotContain("/api/v1/referrals/");

    // The referring agency's case manager sees the client (by design, while the consent is active).
    PageVisitor caseManager = new PageVisitor();
    caseManager.signIn(gateway.url(), REFERRING_STAFF);
    HttpResponse<String> own = caseManager.get(gateway.url() + "/referrals/" + referralId);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(own.body()).contains("Quixote-Canary");

    // Another agency's staff: the same "not found" as for a referral that does not exist.
    PageVisitor otherAgency = new PageVisitor();
    otherAgency.signIn(gateway.url(), OTHER_AGENCY_STAFF);
    HttpResponse<String> foreign = otherAgency.get(gateway.url() + "/referrals/" + referralId);
    HttpResponse<String> list = otherAgency.get(gateway.url() + "/referrals");
    for (String canary : CANARIES) {
      assertThat(foreign.body()).as("harbor-shelter's page of the referral").doesNotContain(canary);
      assertThat(list.body()).as("harbor-shelter's referral list").doesNotContain(canary);
    }
    assertThat(foreign.statusCode()).as(foreign.body()).isEqualTo(404);
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    pageToScan("harbor-shelter's page of " + referralId + " (404)", foreign.body(), CANARIES);
    pageToScan("harbor-shelter's referral list", list.body(), CANARIES);
  }

  /**
   * Last but one as well: the client data sent with every referral is in none of the case manager's
   * emails and SMS (as caught and as written to the catchers' folders), none of the exchange's log
   * lines on the console, and not in the broker's log. The demo providers are left out of the
   * console scan: they are the providers' own systems, which receive the allowed fields in clear by
   * design, and they log nothing of them today anyway.
   */
  @Test
  @Order(Integer.MAX_VALUE - 1)
  void noMessageCaughtFileOrLogLineHoldsClientData() throws Exception {
    Map<String, String> places = new java.util.LinkedHashMap<>();
    // Numbered: several emails share a subject (every intake email has the same one).
    List<MimeMessage> emails = mail.messages();
    for (int i = 0; i < emails.size(); i++) {
      MimeMessage email = emails.get(i);
      places.put(
          "email #" + (i + 1) + " to " + recipients(email) + " \"" + email.getSubject() + "\"",
          content(email));
    }
    List<SmsCatcherComponent.Sms> texts = sms.messages();
    for (int i = 0; i < texts.size(); i++) {
      places.put("SMS #" + (i + 1) + " " + texts.get(i).body(), texts.get(i).body());
    }
    for (Path folder : List.of(mail.folder(), sms.folder())) {
      try (var files = Files.list(folder)) {
        for (Path file : files.toList()) {
          places.put(file.toString(), Files.readString(file, StandardCharsets.ISO_8859_1));
        }
      }
    }
    String console;
    synchronized (consoleCopy) {
      console = consoleCopy.toString(StandardCharsets.UTF_8);
    }
    places.put(
        "console log",
        console
            .lines()
            .filter(
                line -> !line.contains("o.r.demo.") && !line.contains("org.referralexchange.demo"))
            .collect(java.util.stream.Collectors.joining("\n")));
    places.put("broker log", Files.readString(kafka.logFile(), StandardCharsets.ISO_8859_1));

    Map<String, Scanned> scanned = new java.util.LinkedHashMap<>();
    places.forEach((place, text) -> scanned.put(place, new Scanned(text, CANARIES)));
    // The web pages the tests opened, each for the client data it must not show.
    pagesToScan.forEach((place, page) -> scanned.put("web page: " + place, page));

    List<String> hits = new ArrayList<>();
    scanned.forEach(
        (place, page) -> {
          for (String canary : page.canaries()) {
            if (page.text().contains(canary)) {
              hits.add(canary + " in " + place);
            }
          }
        });
    // Hits first: a leak is reported even when a place is also missing. (Not SoftAssertions: its
    // proxies cost this critical-path class seconds.)
    assertThat(hits).as("client data found").isEmpty();
    assertThat(emails).as("emails scanned").hasSizeGreaterThanOrEqualTo(5);
    assertThat(places.keySet())
        .as("the intake email to the email-intake provider is among the emails scanned")
        .anyMatch(
            place ->
                place.startsWith("email #")
                    && place.contains(PANTRY_INTAKE_ADDRESS)
                    && place.endsWith("\"" + INTAKE_SUBJECT + "\""));
    assertThat(pagesToScan.keySet())
        .as("web pages scanned")
        .anyMatch(place -> place.startsWith("intake page of "))
        .anyMatch(place -> place.startsWith("harbor-shelter's page of "))
        .anyMatch(place -> place.equals("harbor-shelter's referral list"));
    assertThat(texts).as("SMS scanned").hasSizeGreaterThanOrEqualTo(3);
    assertThat(console).as("console log captured").contains("o.r.gateway", "o.r.adapter");
  }

  /** Last but one: every record of every topic, dead letters included, as raw bytes. */
  @Test
  @Order(Integer.MAX_VALUE - 1)
  void noTopicHoldsClientDataInClear() throws Exception {
    List<String> hits = new ArrayList<>();
    int records = 0;
    Map<String, Integer> recordsPerTopic = new java.util.TreeMap<>();
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    Set<String> topics;
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        consumer
            .partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      Instant deadline = Instant.now().plusSeconds(60);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(Instant.now()).as("reading every topic to its end").isBefore(deadline);
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          records++;
          recordsPerTopic.merge(record.topic(), 1, Integer::sum);
          StringBuilder text = new StringBuilder();
          text.append(bytes(record.key())).append(bytes(record.value()));
          for (Header header : record.headers()) {
            text.append(header.key()).append(bytes(header.value()));
          }
          for (String canary : CANARIES) {
            if (text.indexOf(canary) >= 0) {
              hits.add(
                  canary
                      + " in "
                      + record.topic()
                      + "-"
                      + record.partition()
                      + "@"
                      + record.offset());
            }
          }
        }
      }
    }
    assertThat(topics)
        .contains(
            "referral.submitted",
            "referral.status-changed",
            "notifications",
            Topics.INTAKE_PAGE_VIEWED.name());
    assertThat(records).as("records scanned").isGreaterThan(10);
    assertThat(recordsPerTopic.getOrDefault(Topics.INTAKE_PAGE_VIEWED.name(), 0))
        .as("intake page views (audit events) scanned, of " + recordsPerTopic)
        .isGreaterThanOrEqualTo(1);
    assertThat(hits).isEmpty();
  }

  /** After the scan: restarts the gateway, as a second run of the launcher would. */
  @Test
  @Order(Integer.MAX_VALUE)
  void aRestartedGatewayReusesTheKeysetAndKnowsEveryReferral() throws Exception {
    String referralId = submit("northside-food-bank", "emergency-groceries", "Out of food", null);
    awaitStatus(referralId, "ACCEPTED");

    gateway.stop();
    gateway.start();

    assertThat(gateway.keysetCreated()).isFalse();
    assertThat(Files.readString(gateway.keysetFile())).isEqualTo(keysetOnFirstStart);
    assertThat(
            JSON.readTree(get("/api/v1/referrals/" + referralId).body()).path("status").asString())
        .isEqualTo("ACCEPTED");
  }

  // --- the gateway's API, as an agency would call it ---

  private String recordConsent(String client) throws Exception {
    return driver.recordConsent(client);
  }

  /** The demo consent for {@code client}, its recipients the demo providers and the pantry. */
  private String recordConsentCoveringThePantry(String client) throws Exception {
    JsonNode body = JSON.readTree(DemoSeedComponent.consentBody(client, Instant.now()));
    var recipients =
        (tools.jackson.databind.node.ArrayNode) body.path("recipients").path("providerIds");
    if (!recipients.toString().contains("\"" + PANTRY + "\"")) {
      recipients.add(PANTRY);
    }
    HttpResponse<String> response = post("/api/v1/consents", JSON.writeValueAsString(body), null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body()).path("consentId").asString();
  }

  private String submit(String provider, String service, String needs, Instant respondBy)
      throws Exception {
    return submit(provider, service, needs, respondBy, clientId, consentId);
  }

  private String submit(
      String provider,
      String service,
      String needs,
      Instant respondBy,
      String client,
      String consent)
      throws Exception {
    String body = LoopDriver.referralBody(provider, service, needs, respondBy, client, consent);
    HttpResponse<String> response = post("/api/v1/referrals", body, "key-" + UUID.randomUUID());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return JSON.readTree(response.body()).path("referralId").asString();
  }

  private JsonNode awaitStatus(String referralId, String status) {
    return driver.awaitStatus(referralId, status, LOOP_TIMEOUT);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return driver.get(path);
  }

  private HttpResponse<String> get(String path, String apiKey) throws Exception {
    return driver.get(path, apiKey);
  }

  private HttpResponse<String> post(String path, String body, String idempotencyKey)
      throws Exception {
    return driver.post(path, body, idempotencyKey);
  }

  // --- playing the provider ---

  private static final String FHIR = DemoProvidersComponent.FHIR_PROVIDER_ID;
  private static final String WEBHOOK = DemoProvidersComponent.WEBHOOK_PROVIDER_ID;

  private static final String SDOHCC_TEMPORARY_CODES =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";

  /**
   * A referral the demo provider leaves alone ("silent" in its narrative), delivered: the FHIR
   * provider holds its Task, the webhook provider has received it. Its respondBy is far enough off
   * that the response clock stays out of the test.
   */
  private String submitSilent(String provider, String service, String needs) throws Exception {
    assertThat(needs.toLowerCase(java.util.Locale.ROOT)).contains("silent");
    String referralId = submit(provider, service, needs, Instant.now().plus(Duration.ofHours(1)));
    if (WEBHOOK.equals(provider)) {
      await()
          .atMost(LOOP_TIMEOUT)
          .until(() -> providers.webhook().receivedReferralIds().contains(referralId));
    } else {
      awaitTask(referralId);
    }
    return referralId;
  }

  private Task awaitTask(String referralId) {
    await().atMost(LOOP_TIMEOUT).until(() -> taskFor(referralId) != null);
    return taskFor(referralId);
  }

  /** The provider records what it did as a Procedure of its own: its reference. */
  private String providerPerformed(Task task) {
    Procedure procedure = new Procedure();
    procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
    procedure.setCode(new CodeableConcept().setText("Household re-housed"));
    procedure.addBasedOn(task.getFocus().copy());
    procedure.setSubject(task.getFor().copy());
    procedure.setPerformed(new DateTimeType(new java.util.Date(), TemporalPrecisionEnum.DAY));
    return providers.fhir().server().providerCreates(procedure);
  }

  private static CodeableConcept resultingActivity() {
    return new CodeableConcept()
        .addCoding(new Coding(SDOHCC_TEMPORARY_CODES, "resulting-activity", "Resulting Activity"));
  }

  private ServiceRequest serviceRequestFor(Task task) {
    return providers
        .fhir()
        .server()
        .read(ServiceRequest.class, new IdType(task.getFocus().getReference()).getIdPart());
  }

  /**
   * The webhook provider's status callback, signed with its secret as {@code
   * DemoWebhookProvider.send} signs it, each with a webhook-id of its own.
   */
  private HttpResponse<String> providerReports(
      String referralId,
      String status,
      Map<String, String> reason,
      Map<String, Object> outcome,
      Instant occurredAt)
      throws Exception {
    Map<String, Object> callback = new java.util.LinkedHashMap<>();
    callback.put("referralId", referralId);
    callback.put("status", status);
    if (reason != null) {
      callback.put("reason", reason);
    }
    callback.put("providerReference", WEBHOOK + "-" + referralId);
    if (outcome != null) {
      callback.put("outcome", outcome);
    }
    callback.put("occurredAt", occurredAt.toString());
    byte[] body = JSON.writeValueAsBytes(callback);
    String webhookId = "msg_" + UUID.randomUUID();
    long timestamp = Instant.now().getEpochSecond();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(adapter.url() + "/providers/" + WEBHOOK + "/status"))
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json")
            .header(StandardWebhooks.ID_HEADER, webhookId)
            .header(StandardWebhooks.TIMESTAMP_HEADER, Long.toString(timestamp))
            .header(
                StandardWebhooks.SIGNATURE_HEADER,
                StandardWebhooks.sign(
                    webhookId, timestamp, body, DemoProvidersComponent.WEBHOOK_SECRET))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> skipped(JsonNode step) {
    List<String> skipped = new ArrayList<>();
    step.path("skipped").forEach(status -> skipped.add(status.asString()));
    return skipped;
  }

  /** The provider's free text is in none of the referral's emails (decoded) and texts. */
  private void assertNoMessageHolds(String referralId, String providerText) throws Exception {
    for (MimeMessage email : emails(referralId)) {
      assertThat(decoded(email)).doesNotContain(providerText);
      assertThat(content(email)).doesNotContain(providerText);
    }
    assertThat(texts(referralId)).noneMatch(text -> text.body().contains(providerText));
  }

  // --- what the case manager received ---

  private Task taskFor(String referralId) {
    return providers.fhir().server().all(Task.class).stream()
        .filter(
            task -> task.getIdentifier().stream().anyMatch(id -> referralId.equals(id.getValue())))
        .findFirst()
        .orElse(null);
  }

  private List<MimeMessage> emails(String referralId) {
    return driver.emails(referralId);
  }

  private List<String> subjects(String referralId) {
    return driver.subjects(referralId);
  }

  private List<SmsCatcherComponent.Sms> texts(String referralId) {
    return driver.texts(referralId);
  }

  /** The one intake email the pantry got for {@code referralId}. */
  private MimeMessage awaitIntakeEmail(String referralId) throws Exception {
    await()
        .atMost(LOOP_TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(() -> assertThat(intakeEmails(referralId)).hasSize(1));
    return intakeEmails(referralId).get(0);
  }

  private List<MimeMessage> intakeEmails(String referralId) throws Exception {
    List<MimeMessage> found = new ArrayList<>();
    for (MimeMessage email : mail.messages()) {
      if (recipients(email).contains(PANTRY_INTAKE_ADDRESS)
          && decoded(email).contains(referralId)) {
        found.add(email);
      }
    }
    return found;
  }

  private void awaitEmails(String referralId, int count) {
    await().atMost(LOOP_TIMEOUT).untilAsserted(() -> assertThat(emails(referralId)).hasSize(count));
  }

  private void awaitSms(String referralId, int count) {
    await().atMost(LOOP_TIMEOUT).untilAsserted(() -> assertThat(texts(referralId)).hasSize(count));
  }

  /**
   * Exactly once: the counts hold once the notifier and the adapter have demonstrably worked past
   * everything written so far (a duplicate would follow from something in their logs, within a few
   * of the notifier's ticks), and every message went to the case manager.
   */
  private void assertStaysExactlyOnce(String referralId, int emails, int texts)
      throws MessagingException {
    awaitTheServicesSettled();
    assertThat(emails(referralId)).hasSize(emails);
    assertThat(texts(referralId)).hasSize(texts);
    for (MimeMessage email : emails(referralId)) {
      assertThat(recipients(email)).containsExactly(CASE_MANAGER_EMAIL);
    }
    assertThat(texts(referralId)).allMatch(text -> text.to().equals(CASE_MANAGER_MOBILE));
  }

  /** A few of the notifier's ticks: what it applied is sent and recorded within them. */
  private static final Duration A_FEW_TICKS = LoopDriver.testClocks().tick().multipliedBy(3);

  /**
   * Waits until the notifier's and the adapter's event logs had applied every record on every topic
   * (their lag 0) and then a few of the notifier's ticks passed with nothing new written anywhere:
   * what they were due to send or record for those records is sent and recorded. This replaces a
   * fixed 2 s wait with the condition the wait stood for, checked.
   */
  private void awaitTheServicesSettled() {
    var before = new java.util.concurrent.atomic.AtomicReference<Map<TopicPartition, Long>>();
    var appliedBefore = new java.util.concurrent.atomic.AtomicBoolean();
    await()
        .atMost(LOOP_TIMEOUT)
        .pollDelay(Duration.ZERO)
        .pollInterval(A_FEW_TICKS)
        .until(
            () -> {
              Map<TopicPartition, Long> ends = endOffsets();
              boolean settled = appliedBefore.get() && ends.equals(before.getAndSet(ends));
              appliedBefore.set(
                  applied(notifier.context().getBean(EventLog.class), ends)
                      && applied(adapter.context().getBean(EventLog.class), ends));
              return settled;
            });
  }

  /** Whether {@code log} applied every record up to {@code ends} on the partitions it reads. */
  private static boolean applied(EventLog log, Map<TopicPartition, Long> ends) {
    boolean readsAny = false;
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      java.util.OptionalLong next = log.nextToApply(end.getKey());
      if (next.isPresent()) {
        readsAny = true;
        if (next.getAsLong() < end.getValue()) {
          return false;
        }
      }
    }
    return readsAny;
  }

  /** The end offset of every partition of the exchange's topics, read with one shared consumer. */
  private Map<TopicPartition, Long> endOffsets() {
    if (endReader == null) {
      endReader =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                  ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                  ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
    }
    List<TopicPartition> partitions = new ArrayList<>();
    for (org.referralexchange.schemas.TopicSpec topic : org.referralexchange.schemas.Topics.ALL) {
      for (int p = 0; p < topic.partitions(); p++) {
        partitions.add(new TopicPartition(topic.name(), p));
      }
    }
    return endReader.endOffsets(partitions, Duration.ofSeconds(30));
  }

  private static String subject(MimeMessage message) {
    return LoopDriver.subject(message);
  }

  private static List<String> recipients(MimeMessage message) throws MessagingException {
    return java.util.Arrays.stream(message.getAllRecipients()).map(Object::toString).toList();
  }

  private static String content(MimeMessage message) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    message.writeTo(out);
    return jakarta.mail.internet.MimeUtility.decodeText(out.toString(StandardCharsets.UTF_8));
  }

  /**
   * The subject and every text part, transfer encodings undone (quoted-printable or base64): what a
   * reader sees, for checking what is not there.
   */
  private static String decoded(MimeMessage message) throws Exception {
    StringBuilder text = new StringBuilder(String.valueOf(message.getSubject())).append('\n');
    collectText(message, text);
    return text.toString();
  }

  private static void collectText(jakarta.mail.Part part, StringBuilder text) throws Exception {
    Object body = part.getContent();
    if (body instanceof jakarta.mail.Multipart multipart) {
      for (int i = 0; i < multipart.getCount(); i++) {
        collectText(multipart.getBodyPart(i), text);
      }
    } else if (body instanceof String string) {
      text.append(string).append('\n');
    }
  }

  private static String bytes(byte[] value) {
    return value == null ? "" : new String(value, StandardCharsets.ISO_8859_1);
  }
}
