package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Drives a started local exchange the way an agency would, through the gateway's HTTP API only, and
 * counts what arrived at the sinks (GreenMail and the SMS catcher). Shared by {@link
 * ClosedLoopTests} and {@link FaultSuiteTests}.
 */
final class LoopDriver {

  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String API_KEY = "local-county-hhs-key";

  /** The agency {@link #API_KEY} authenticates; part of every referral id it submits. */
  static final String AGENCY_ID = "county-hhs";

  static final String CASE_MANAGER_EMAIL = "casey@county.example";
  static final String CASE_MANAGER_MOBILE = "+15555550107";

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  private final GatewayComponent gateway;
  private final MailCatcherComponent mail;
  private final SmsCatcherComponent sms;

  LoopDriver(GatewayComponent gateway, MailCatcherComponent mail, SmsCatcherComponent sms) {
    this.gateway = gateway;
    this.mail = mail;
    this.sms = sms;
  }

  // --- starting the launcher's components for a test ---

  /**
   * The launcher's settings with free ports everywhere, every folder under {@code dir}, and the
   * given extra {@code --name=value} arguments. Every port is chosen here, by {@link FreePorts}
   * (outside the ephemeral range, this JVM's share of it): a part stopped and started again keeps
   * its port, and the module's other test JVM never picks the same one.
   */
  static LocalSettings settings(Path dir, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--" + LocalSettings.KAFKA_DATA_DIR + "=" + dir.resolve("kafka"),
                "--" + LocalSettings.KAFKA_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.CONTROLLER_PORT + "=" + FreePorts.next(),
                // Fixed too: the services keep the registry's URL when it is stopped and started.
                "--" + LocalSettings.REGISTRY_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.GATEWAY_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.ADAPTER_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.NOTIFIER_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.WEBHOOK_PROVIDER_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.FHIR_PROVIDER_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.SMTP_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.SMS_PORT + "=" + FreePorts.next(),
                "--" + LocalSettings.DEMO_ANSWER_DELAY + "=1",
                "--" + LocalSettings.SERVICE_STARTUP_TIMEOUT + "=150",
                "--" + LocalSettings.MAIL_FOLDER + "=" + dir.resolve("mail"),
                "--" + LocalSettings.SMS_FOLDER + "=" + dir.resolve("sms"),
                "--" + LocalSettings.KEYSET_FILE + "=" + dir.resolve("keys/client-data.json")));
    args.addAll(List.of(extra));
    return LocalSettings.from(args.toArray(String[]::new), new Properties(), Map.of());
  }

  /** Clocks short enough for a test: 200 ms ticks, 1 s polls, 30 s to answer, 4 s grace. */
  static LocalExchange.DemoClocks testClocks() {
    return new LocalExchange.DemoClocks(
        Duration.ofMillis(200),
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        Duration.ofSeconds(4));
  }

  /** The components, with those started together taken apart. */
  static List<LocalComponent> parts(List<LocalComponent> components) {
    List<LocalComponent> parts = new ArrayList<>();
    for (LocalComponent component : components) {
      if (component instanceof TogetherComponent together) {
        parts.addAll(together.parts());
      } else {
        parts.add(component);
      }
    }
    return parts;
  }

  static <T> T only(List<LocalComponent> parts, Class<T> type) {
    List<T> matching = parts.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(matching).as("launcher components of type " + type.getSimpleName()).hasSize(1);
    return matching.get(0);
  }

  // --- the gateway's API, as an agency would call it ---

  /** Records an active consent for {@code client} covering both demo providers; its id. */
  String recordConsent(String client) throws Exception {
    HttpResponse<String> response =
        post("/api/v1/consents", DemoSeedComponent.consentBody(client, Instant.now()), null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body()).path("consentId").asString();
  }

  /**
   * Records an active consent for {@code client} covering exactly {@code providerIds} (signed an
   * hour ago, for a year); its id.
   */
  String recordConsent(String client, List<String> providerIds) throws Exception {
    String body =
        DemoSeedComponent.consentBody(client, providerIds, Instant.now(), "local-exchange-tests");
    HttpResponse<String> response = post("/api/v1/consents", body, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body()).path("consentId").asString();
  }

  /** Submits a referral ({@link #referralBody}, with a fresh idempotency key); its id. */
  String submit(
      String provider,
      String service,
      String needs,
      Instant respondBy,
      String client,
      String consent)
      throws Exception {
    HttpResponse<String> response =
        post(
            "/api/v1/referrals",
            referralBody(provider, service, needs, respondBy, client, consent),
            "key-" + UUID.randomUUID());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return JSON.readTree(response.body()).path("referralId").asString();
  }

  /** Waits until the gateway shows the referral in {@code status}; the referral as it answered. */
  JsonNode awaitStatus(String referralId, String status, Duration timeout) {
    JsonNode[] last = new JsonNode[1];
    org.awaitility.Awaitility.await()
        .atMost(timeout)
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

  /** The referral's timeline step into {@code status}. */
  static JsonNode step(JsonNode referral, String status) {
    for (JsonNode step : referral.path("timeline")) {
      if (status.equals(step.path("status").asString())) {
        return step;
      }
    }
    throw new AssertionError("No " + status + " step in " + referral);
  }

  /** The statuses of the referral's timeline, in order. */
  static List<String> statuses(JsonNode referral) {
    List<String> statuses = new ArrayList<>();
    referral.path("timeline").forEach(step -> statuses.add(step.path("status").asString()));
    return statuses;
  }

  /**
   * The id the gateway gives the referral {@link #API_KEY} submits with {@code idempotencyKey}
   * (derived from the agency and the key), known before the request is answered, or whether it is.
   */
  static String referralIdFor(String idempotencyKey) {
    return "ref-"
        + UUID.nameUUIDFromBytes(
            (AGENCY_ID + "\u0000" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
  }

  /** A referral submission with the client data the canary scans look for. */
  static String referralBody(
      String provider,
      String service,
      String needs,
      Instant respondBy,
      String client,
      String consent) {
    return """
        {"target": {"providerId": "%s", "serviceId": "%s"},
         "needs": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes", "code": "food-insecurity", "display": "Food Insecurity"}],
         "narrative": {"needsDescription": "%s. Canary-narrative-7731", "goals": ["Help"], "notes": "Call after 5pm"},
         "priority": "ROUTINE",
         %s
         "consent": {"consentId": "%s", "informationCategories": ["DEMOGRAPHICS", "CONTACT_DETAILS", "SOCIAL_NEEDS"], "purpose": "COC", "narrativeCategories": ["SOCIAL_NEEDS"]},
         "client": {"clientId": "%s", "givenName": "Quixote-Canary", "familyName": "Sancho-Canary",
                    "birthDate": "1961-07-04", "phone": "+15555550199", "email": "quixote.canary@example.org",
                    "address": {"lines": ["77 Canary Lane"], "city": "Springfield", "state": "IL", "postalCode": "62701", "country": "US"},
                    "identifiers": [{"system": "urn:county:mrn", "value": "MRN-CANARY-1"}]},
         "caseManager": {"id": "cm-7", "name": "Casey Manager", "email": "%s",
                         "mobile": "%s", "preferredChannels": ["EMAIL", "SMS"], "timeZone": "America/Chicago"},
         "contactingSubjectProhibited": false}
        """
        .formatted(
            provider,
            service,
            needs,
            respondBy == null ? "" : "\"respondBy\": \"" + respondBy + "\",",
            consent,
            client,
            CASE_MANAGER_EMAIL,
            CASE_MANAGER_MOBILE);
  }

  HttpResponse<String> get(String path) throws Exception {
    return get(path, API_KEY);
  }

  HttpResponse<String> get(String path, String apiKey) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(gateway.url() + path)).timeout(REQUEST_TIMEOUT);
    if (apiKey != null) {
      request.header(GatewayComponent.API_KEY_HEADER, apiKey);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body, String idempotencyKey) throws Exception {
    return http.send(postRequest(path, body, idempotencyKey, REQUEST_TIMEOUT), ofString());
  }

  /** Sends without waiting, for a load that keeps its pace whatever the answers take. */
  CompletableFuture<HttpResponse<String>> postAsync(
      String path, String body, String idempotencyKey, Duration timeout) {
    return http.sendAsync(postRequest(path, body, idempotencyKey, timeout), ofString());
  }

  private HttpRequest postRequest(
      String path, String body, String idempotencyKey, Duration timeout) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(gateway.url() + path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header(GatewayComponent.API_KEY_HEADER, API_KEY)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return request.build();
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  // --- what the case manager received ---

  /** The emails about one referral: their subjects start with {@code Referral <id>:}. */
  List<MimeMessage> emails(String referralId) {
    return mail.messages().stream()
        .filter(m -> subject(m).startsWith("Referral " + referralId + ":"))
        .toList();
  }

  List<String> subjects(String referralId) {
    return emails(referralId).stream().map(LoopDriver::subject).toList();
  }

  /** The texts about one referral: their bodies start with {@code Referral <id>:}. */
  List<SmsCatcherComponent.Sms> texts(String referralId) {
    return sms.messages().stream()
        .filter(m -> m.body().startsWith("Referral " + referralId + ":"))
        .toList();
  }

  /** The referral id an email or text is about, or null: {@code Referral <id>: ...}. */
  static String referralIdIn(String subjectOrBody) {
    if (subjectOrBody == null || !subjectOrBody.startsWith("Referral ")) {
      return null;
    }
    int colon = subjectOrBody.indexOf(':', "Referral ".length());
    return colon < 0 ? null : subjectOrBody.substring("Referral ".length(), colon);
  }

  static String subject(MimeMessage message) {
    try {
      return message.getSubject();
    } catch (MessagingException e) {
      throw new IllegalStateException(e);
    }
  }
}
