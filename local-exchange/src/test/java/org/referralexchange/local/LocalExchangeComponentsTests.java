package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's real component list, started once: the broker as a child process, then the schema
 * registry and the referral gateway in this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalExchangeComponentsTests {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  @TempDir static Path localDir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  private LocalExchange exchange;
  private KafkaBrokerComponent kafka;
  private SchemaRegistryComponent registry;
  private GatewayComponent gateway;
  private String keysetOnFirstStart;

  @BeforeAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void startExchange() throws Exception {
    List<LocalComponent> components =
        LocalExchange.components(
            new LocalSettings(
                localDir.resolve("kafka"),
                LocalSettings.kafkaLibsBesideLauncher(),
                FreePorts.next(),
                FreePorts.next(),
                Duration.ofSeconds(60),
                0,
                FreePorts.next(),
                Duration.ofSeconds(60),
                localDir.resolve("keys/client-data.json"),
                OptionalLong.empty()));
    kafka = (KafkaBrokerComponent) components.get(0);
    registry = (SchemaRegistryComponent) components.get(1);
    gateway = (GatewayComponent) components.get(2);
    exchange = new LocalExchange(components);
    exchange.start();
    keysetOnFirstStart = Files.readString(gateway.keysetFile());
  }

  @AfterAll
  void stopExchange() {
    if (exchange != null) {
      exchange.stop();
    }
  }

  @Test
  void schemaRegistryAnswersGetSubjects() throws Exception {
    HttpResponse<String> response = get(registry.url() + "/subjects", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body().strip()).startsWith("[").endsWith("]");
  }

  @Test
  void printsTheKafkaBootstrapTheRegistryAndTheGateway() {
    assertThat(exchange.addresses())
        .contains("Kafka bootstrap", kafka.bootstrapServers())
        .contains("Schema registry", registry.url())
        .contains(kafka.logFile().toString())
        .contains(gateway.url() + "/api/v1")
        .contains(gateway.url() + "/swagger-ui.html")
        .contains(gateway.url() + "/actuator/health")
        .contains("local-county-hhs-key", "local-shelter-key", "local-foodbank-key")
        .contains(gateway.keysetFile().toString());
  }

  @Test
  void brokerRunsAsAChildProcessOfTheLauncher() {
    ProcessHandle broker = kafka.process().orElseThrow();

    assertThat(broker.isAlive()).isTrue();
    assertThat(broker.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
  }

  @Test
  void gatewayIsReadyAndEachPrintedDemoKeyAuthenticatesItsAgency() throws Exception {
    assertThat(get(gateway.url() + GatewayComponent.READINESS_PATH, null).statusCode())
        .isEqualTo(200);
    for (Map.Entry<String, String> demo : GatewayComponent.DEMO_API_KEYS.entrySet()) {
      HttpResponse<String> me = get(gateway.url() + "/api/v1/me", demo.getValue());

      assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
      assertThat(me.body()).contains("\"agencyId\":\"" + demo.getKey() + "\"");
    }
    assertThat(get(gateway.url() + "/api/v1/me", null).statusCode()).isEqualTo(401);
  }

  @Test
  void gatewayTakesAConsentAndAReferralThroughTheLocalBrokerAndRegistry() throws Exception {
    String clientId = "client-" + UUID.randomUUID();
    HttpResponse<String> consent = post("/api/v1/consents", consentBody(clientId), Map.of());
    assertThat(consent.statusCode()).as(consent.body()).isEqualTo(201);
    Matcher consentId =
        Pattern.compile("\"consentId\"\\s*:\\s*\"([^\"]+)\"").matcher(consent.body());
    assertThat(consentId.find()).as(consent.body()).isTrue();

    HttpResponse<String> referral =
        post(
            "/api/v1/referrals",
            referralBody(consentId.group(1), clientId),
            Map.of("Idempotency-Key", "key-" + UUID.randomUUID()));

    assertThat(referral.statusCode()).as(referral.body()).isEqualTo(202);
    assertThat(referral.body()).contains("\"referralId\"");
  }

  @Test
  void createsTheKeysetOwnerOnlyOnTheFirstStart() throws Exception {
    assertThat(gateway.keysetCreated()).isTrue();
    assertThat(keysetOnFirstStart).contains("\"primaryKeyId\"");
    if (Files.getFileStore(gateway.keysetFile()).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(gateway.keysetFile())))
          .isEqualTo("rw-------");
    }
  }

  /** Last: restarts the gateway, as a second run of the launcher would. */
  @Test
  @Order(Integer.MAX_VALUE)
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aRestartedGatewayReusesTheKeysetFile() throws Exception {
    gateway.stop();
    gateway.start();

    assertThat(gateway.keysetCreated()).isFalse();
    assertThat(Files.readString(gateway.keysetFile())).isEqualTo(keysetOnFirstStart);
    assertThat(get(gateway.url() + "/api/v1/me", "local-county-hhs-key").statusCode())
        .isEqualTo(200);
  }

  private HttpResponse<String> get(String url, String apiKey) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT);
    if (apiKey != null) {
      request.header(GatewayComponent.API_KEY_HEADER, apiKey);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(gateway.url() + path))
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json")
            .header(GatewayComponent.API_KEY_HEADER, "local-county-hhs-key")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String consentBody(String clientId) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return """
        {"clientId": "%s",
         "recipients": {"providerIds": ["northside-food-bank"]},
         "informationCategories": ["DEMOGRAPHICS", "CONTACT_DETAILS", "SOCIAL_NEEDS"],
         "part2": false,
         "purpose": "COC",
         "expiresAt": "%s",
         "signature": {"method": "ELECTRONIC", "signedAt": "%s", "signerRole": "CLIENT"},
         "revocationRightAcknowledged": true,
         "servicesConditionedOnSigning": false,
         "redisclosureNoticeAcknowledged": true,
         "sourceReference": "forms/roi-1"}
        """
        .formatted(clientId, now.plus(365, ChronoUnit.DAYS), now.minus(1, ChronoUnit.HOURS));
  }

  private static String referralBody(String consentId, String clientId) {
    return """
        {"target": {"providerId": "northside-food-bank", "serviceId": "emergency-groceries"},
         "needs": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes", "code": "food-insecurity", "display": "Food Insecurity"}],
         "narrative": {"needsDescription": "Out of food until payday", "goals": ["Groceries for two weeks"], "notes": "Call after 5pm"},
         "priority": "URGENT",
         "consent": {"consentId": "%s", "informationCategories": ["DEMOGRAPHICS", "SOCIAL_NEEDS"], "purpose": "COC"},
         "client": {"clientId": "%s", "givenName": "Jamie", "familyName": "Doe",
                    "birthDate": "1980-02-29", "phone": "+15555550100", "email": "jamie@example.org",
                    "address": {"lines": ["1 Main St"], "city": "Springfield", "state": "IL", "postalCode": "62701", "country": "US"},
                    "identifiers": [{"system": "urn:county:mrn", "value": "MRN-1"}]},
         "caseManager": {"id": "cm-7", "name": "Casey Manager", "email": "casey@county.example",
                         "mobile": "+15555550107", "preferredChannels": ["EMAIL", "SMS"], "timeZone": "America/Chicago"},
         "contactingSubjectProhibited": false}
        """
        .formatted(consentId, clientId);
  }
}
