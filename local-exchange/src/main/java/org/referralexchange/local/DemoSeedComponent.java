package org.referralexchange.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Seeds what a newcomer needs to try the loop at once: one active consent, recorded through the
 * gateway's API by the demo county agency, for the demo client, covering both demo providers.
 * Reused on later runs (the consent lives in Kafka like everything else), recorded again only when
 * none is active any more.
 */
public final class DemoSeedComponent implements LocalComponent {

  static final String DEMO_CLIENT_ID = "demo-client-1";
  static final String DEMO_AGENCY = "county-hhs";

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Supplier<String> gatewayUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  private volatile String consentId;
  private volatile boolean created;

  DemoSeedComponent(Supplier<String> gatewayUrl) {
    this.gatewayUrl = gatewayUrl;
  }

  @Override
  public String name() {
    return "demo-seed";
  }

  @Override
  public void start() throws IOException, InterruptedException {
    String existing = activeConsent();
    if (existing != null) {
      consentId = existing;
      created = false;
      return;
    }
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(gatewayUrl.get() + "/api/v1/consents"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        consentBody(DEMO_CLIENT_ID, Instant.now()))));
    if (response.statusCode() != 201) {
      throw new LocalStartupException(
          "The gateway refused the demo consent: HTTP "
              + response.statusCode()
              + " "
              + response.body());
    }
    consentId = JSON.readTree(response.body()).path("consentId").asString();
    created = true;
  }

  /** The first consent of the demo client that is active now, or null. */
  private String activeConsent() throws IOException, InterruptedException {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(
                    URI.create(gatewayUrl.get() + "/api/v1/consents?clientId=" + DEMO_CLIENT_ID))
                .GET());
    if (response.statusCode() != 200) {
      throw new LocalStartupException(
          "The gateway did not list the demo client's consents: HTTP "
              + response.statusCode()
              + " "
              + response.body());
    }
    for (JsonNode consent : JSON.readTree(response.body())) {
      // One recorded by an older run may not name every demo provider: a new one is recorded then.
      if ("ACTIVE".equals(consent.path("status").asString())
          && namesEveryDemoProvider(consent.path("recipientProviderIds"))) {
        return consent.path("consentId").asString();
      }
    }
    return null;
  }

  static boolean namesEveryDemoProvider(JsonNode providerIds) {
    java.util.Set<String> named = new java.util.HashSet<>();
    providerIds.forEach(id -> named.add(id.asString()));
    return named.containsAll(
        List.of(
            DemoProvidersComponent.WEBHOOK_PROVIDER_ID,
            DemoProvidersComponent.FHIR_PROVIDER_ID,
            AdapterComponent.INTAKE_PROVIDER_ID));
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(
        request
            .timeout(REQUEST_TIMEOUT)
            .header(
                GatewayComponent.API_KEY_HEADER, GatewayComponent.DEMO_API_KEYS.get(DEMO_AGENCY))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The demo consent's request body for {@code clientId}, signed an hour before {@code now}. */
  static String consentBody(String clientId, Instant now) {
    return consentBody(
        clientId,
        List.of(
            DemoProvidersComponent.WEBHOOK_PROVIDER_ID,
            DemoProvidersComponent.FHIR_PROVIDER_ID,
            AdapterComponent.INTAKE_PROVIDER_ID),
        now,
        "local-exchange/demo-seed");
  }

  /**
   * A consent's request body as a case manager's agency records it: {@code clientId}'s, covering
   * {@code providerIds} for continuity of care with demographics, contact details and social needs,
   * signed electronically by the client an hour before {@code now}, for a year. The local run's
   * seed, its tests and the benchmarks record theirs with it.
   */
  public static String consentBody(
      String clientId, List<String> providerIds, Instant now, String sourceReference) {
    Instant signed = now.truncatedTo(ChronoUnit.SECONDS).minus(1, ChronoUnit.HOURS);
    String providers =
        providerIds.stream()
            .map(id -> "\"" + id + "\"")
            .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    return """
        {"clientId": "%s",
         "recipients": {"providerIds": %s},
         "informationCategories": ["DEMOGRAPHICS", "CONTACT_DETAILS", "SOCIAL_NEEDS"],
         "part2": false,
         "purpose": "COC",
         "expiresAt": "%s",
         "signature": {"method": "ELECTRONIC", "signedAt": "%s", "signerRole": "CLIENT"},
         "revocationRightAcknowledged": true,
         "servicesConditionedOnSigning": false,
         "redisclosureNoticeAcknowledged": true,
         "sourceReference": "%s"}
        """
        .formatted(clientId, providers, signed.plus(365, ChronoUnit.DAYS), signed, sourceReference);
  }

  /** The demo consent's id; valid once started. */
  String consentId() {
    return consentId;
  }

  @Override
  public void stop() {
    // Nothing runs; the consent stays in Kafka.
  }

  @Override
  public Map<String, String> describe() {
    Map<String, String> lines = new LinkedHashMap<>();
    lines.put("Demo client", DEMO_CLIENT_ID);
    lines.put("Demo consent", consentId + (created ? " (recorded now)" : " (from an earlier run)"));
    return lines;
  }
}
