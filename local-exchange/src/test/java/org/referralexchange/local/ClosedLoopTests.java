package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole loop, end to end, through the gateway's HTTP API only: the launcher's own components (a
 * real broker as a child process, the stand-in registry, the gateway, the adapter and the notifier
 * in this JVM, a HAPI FHIR provider, a webhook provider, GreenMail as the mail catcher and a Twilio
 * stand-in as the SMS catcher), with clocks short enough for a test. Each scenario checks the case
 * manager hears exactly once per channel; the last test scans every topic's raw bytes for the
 * client data sent in.
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
  private String clientId;
  private String consentId;

  /** Everything the exchange's parts log to the console while this class runs (a copy). */
  private final ByteArrayOutputStream consoleCopy = new ByteArrayOutputStream();

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
        .containsExactly("Referral " + referralId + ": accepted by northside-food-bank");
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

    JsonNode declined = step(referral, "REJECTED");
    assertThat(declined.path("reasonText").asString()).isNotBlank();
    MimeMessage email = emails(referralId).get(0);
    assertThat(email.getSubject())
        .isEqualTo("Referral " + referralId + ": declined by northside-food-bank");
    assertThat(content(email)).contains(declined.path("reasonText").asString());
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
            "Referral " + referralId + ": accepted by riverside-housing",
            "Referral " + referralId + ": service completed by riverside-housing");
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
    // Cancelled by the exchange, not the provider: the case manager gets no message about it.
    assertStaysExactlyOnce(referralId, 0, 0);
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
            "Referral " + referralId + ": northside-food-bank has not answered yet",
            "Referral " + referralId + ": returned to you, northside-food-bank did not answer");
    assertStaysExactlyOnce(referralId, 2, 2);
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
    for (MimeMessage email : mail.messages()) {
      places.put("email " + email.getSubject(), content(email));
    }
    for (SmsCatcherComponent.Sms text : sms.messages()) {
      places.put("SMS " + text.body(), text.body());
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

    List<String> hits = new ArrayList<>();
    places.forEach(
        (place, text) -> {
          for (String canary : CANARIES) {
            if (text.contains(canary)) {
              hits.add(canary + " in " + place);
            }
          }
        });
    assertThat(mail.messages()).as("emails scanned").hasSizeGreaterThanOrEqualTo(5);
    assertThat(sms.messages()).as("SMS scanned").hasSizeGreaterThanOrEqualTo(3);
    assertThat(console).as("console log captured").contains("o.r.gateway", "o.r.adapter");
    assertThat(hits).isEmpty();
  }

  /** Last but one: every record of every topic, dead letters included, as raw bytes. */
  @Test
  @Order(Integer.MAX_VALUE - 1)
  void noTopicHoldsClientDataInClear() throws Exception {
    List<String> hits = new ArrayList<>();
    int records = 0;
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
    assertThat(topics).contains("referral.submitted", "referral.status-changed", "notifications");
    assertThat(records).as("records scanned").isGreaterThan(10);
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
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(LOOP_TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              HttpResponse<String> response = get("/api/v1/referrals/" + referralId);
              assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
              last[0] = JSON.readTree(response.body());
              assertThat(last[0].path("status").asString()).as(response.body()).isEqualTo(status);
            });
    return last[0];
  }

  private static JsonNode step(JsonNode referral, String status) {
    for (JsonNode step : referral.path("timeline")) {
      if (status.equals(step.path("status").asString())) {
        return step;
      }
    }
    throw new AssertionError("No " + status + " step in " + referral);
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

  private void awaitEmails(String referralId, int count) {
    await().atMost(LOOP_TIMEOUT).untilAsserted(() -> assertThat(emails(referralId)).hasSize(count));
  }

  private void awaitSms(String referralId, int count) {
    await().atMost(LOOP_TIMEOUT).untilAsserted(() -> assertThat(texts(referralId)).hasSize(count));
  }

  /**
   * Exactly once: the counts hold now and still hold after a few more of the notifier's ticks (a
   * duplicate would arrive within them), and every message went to the case manager.
   */
  private void assertStaysExactlyOnce(String referralId, int emails, int texts)
      throws InterruptedException, MessagingException {
    Thread.sleep(2_000);
    assertThat(emails(referralId)).hasSize(emails);
    assertThat(texts(referralId)).hasSize(texts);
    for (MimeMessage email : emails(referralId)) {
      assertThat(recipients(email)).containsExactly(CASE_MANAGER_EMAIL);
    }
    assertThat(texts(referralId)).allMatch(text -> text.to().equals(CASE_MANAGER_MOBILE));
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

  private static String bytes(byte[] value) {
    return value == null ? "" : new String(value, StandardCharsets.ISO_8859_1);
  }
}
