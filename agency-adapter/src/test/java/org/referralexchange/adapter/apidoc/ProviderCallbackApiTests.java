package org.referralexchange.adapter.apidoc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.referralexchange.testing.openapi.OpenApiChecks;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The provider callback API's document as the running adapter serves it: valid for swagger-parser
 * and Redocly's linter, each callback with its real security and every problem type its controller
 * can answer with (found by reflection on the controllers' constants, not copied here).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProviderCallbackApiTests {

  static final Path REDOCLY_CONFIG = Path.of("api/redocly.yaml");
  static final String WEBHOOK_STATUS = "/providers/{providerId}/status";
  static final String FHIR_NOTIFICATION = "/fhir/notifications/{providerId}";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) {
    properties.add("spring.kafka.bootstrap-servers", ExchangeInfrastructure::bootstrapServers);
    properties.add(
        "spring.kafka.properties.schema.registry.url", ExchangeInfrastructure::registryUrl);
    properties.add("adapter.encryption.keyset-json", () -> ExchangeInfrastructure.KEYSET);
    properties.add("exchange.kafka.ownership.group-id", () -> "provider-callback-api-tests");
    String p = "adapter.providers[0].";
    properties.add(p + "id", () -> "docs-food-bank");
    properties.add(p + "name", () -> "Docs Food Bank");
    properties.add(p + "kind", () -> "webhook");
    properties.add(p + "endpoint", () -> "http://127.0.0.1:9/unused");
    properties.add(p + "secret", () -> "whsec_ZG9jcy1vbmx5LXdlYmhvb2stc2VjcmV0LTEyMzQ=");
    properties.add(p + "service-categories", () -> "food");
    properties.add(p + "allowed-fields", () -> "givenName");
    properties.add(p + "time-zone", () -> "UTC");
    properties.add(p + "opens-at", () -> "00:00");
    properties.add(p + "closes-at", () -> "23:59:59.999");
    properties.add(p + "business-days", () -> "MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY");
    properties.add(p + "response-window", () -> "P2D");
    properties.add(p + "grace", () -> "PT1H");
    properties.add(p + "poll-interval", () -> "PT15M");
    properties.add(p + "enabled", () -> "true");
  }

  @LocalServerPort int port;

  @Autowired BuildProperties build;

  String served() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v3/api-docs"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  @Test
  void servedDocumentIsValidForSwaggerParser() throws Exception {
    assertThat(OpenApiChecks.swaggerParserMessages(served())).isEmpty();
  }

  @Test
  void servedDocumentPassesRedoclyLintWithoutErrorsOrWarnings() throws Exception {
    OpenApiChecks.redoclyUnavailable()
        .ifPresent(why -> Assumptions.abort("Redocly lint skipped: " + why));
    Path file = Path.of("target/openapi/provider-callback-api.json");
    Files.createDirectories(file.getParent());
    Files.writeString(
        file,
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(served())),
        StandardCharsets.UTF_8);

    OpenApiChecks.LintResult lint = OpenApiChecks.redoclyLint(file, REDOCLY_CONFIG);

    assertThat(lint.clean()).as(lint.report()).isTrue();
  }

  @Test
  void documentIsTheProviderCallbackApiAtTheBuildVersionWithOnlyTheCallbacks() throws Exception {
    JsonNode doc = JSON.readTree(served());

    assertThat(doc.path("info").path("title").asString())
        .isEqualTo("Referral Exchange Provider Callback API");
    assertThat(doc.path("info").path("version").asString()).isEqualTo(build.getVersion());
    assertThat(doc.path("servers").path(0).path("url").asString()).isEqualTo("/");
    List<String> paths = new ArrayList<>();
    doc.path("paths").propertyNames().forEach(paths::add);
    assertThat(paths).containsExactlyInAnyOrder(WEBHOOK_STATUS, FHIR_NOTIFICATION);
  }

  @Test
  void statusCallbackNeedsTheStandardWebhooksHeaders() throws Exception {
    JsonNode doc = JSON.readTree(served());
    JsonNode scheme =
        doc.path("components").path("securitySchemes").path("standardWebhooksSignature");
    assertThat(scheme.path("type").asString()).isEqualTo("apiKey");
    assertThat(scheme.path("in").asString()).isEqualTo("header");
    assertThat(scheme.path("name").asString()).isEqualTo("webhook-signature");

    JsonNode operation = doc.path("paths").path(WEBHOOK_STATUS).path("post");
    assertThat(operation.path("security").toString())
        .isEqualTo("[{\"standardWebhooksSignature\":[]}]");
    List<String> requiredHeaders = new ArrayList<>();
    operation
        .path("parameters")
        .forEach(
            parameter -> {
              if (parameter.path("in").asString().equals("header")
                  && parameter.path("required").asBoolean()) {
                requiredHeaders.add(parameter.path("name").asString());
              }
            });
    assertThat(requiredHeaders).containsExactlyInAnyOrder("webhook-id", "webhook-timestamp");
    assertThat(operation.path("responses").has("202")).isTrue();
    JsonNode body = doc.path("components").path("schemas").path("StatusCallback");
    Set<String> statuses = new TreeSet<>();
    body.path("properties").path("status").path("enum").forEach(s -> statuses.add(s.asString()));
    assertThat(statuses)
        .containsExactlyInAnyOrder(
            "received",
            "accepted",
            "rejected",
            "in-progress",
            "on-hold",
            "cancelled",
            "failed",
            "completed");
  }

  @Test
  void fhirNotificationNeedsTheSubscriptionsBearerSecret() throws Exception {
    JsonNode doc = JSON.readTree(served());
    JsonNode scheme = doc.path("components").path("securitySchemes").path("fhirSubscriptionBearer");
    assertThat(scheme.path("type").asString()).isEqualTo("http");
    assertThat(scheme.path("scheme").asString()).isEqualTo("bearer");
    JsonNode operation = doc.path("paths").path(FHIR_NOTIFICATION).path("post");
    assertThat(operation.path("security").toString())
        .isEqualTo("[{\"fhirSubscriptionBearer\":[]}]");
    assertThat(operation.path("requestBody").path("content").has("application/fhir+json")).isTrue();
  }

  @Test
  void everyProblemTypeEachCallbackCanAnswerIsDocumentedOnIt() throws Exception {
    JsonNode doc = JSON.readTree(served());

    assertThat(
            undocumented(
                doc.path("paths").path(WEBHOOK_STATUS).path("post"),
                slugs("org.referralexchange.adapter.provider.webhook.WebhookCallbackController")))
        .isEmpty();
    assertThat(
            undocumented(
                doc.path("paths").path(FHIR_NOTIFICATION).path("post"),
                slugs("org.referralexchange.adapter.provider.fhir.FhirNotificationController")))
        .isEmpty();
  }

  /** The controller's problem slugs: its {@code static final String} constants. */
  static Set<String> slugs(String controller) throws Exception {
    Set<String> slugs = new TreeSet<>();
    for (Field field : Class.forName(controller).getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers())
          && Modifier.isFinal(field.getModifiers())
          && field.getType() == String.class) {
        field.setAccessible(true);
        slugs.add((String) field.get(null));
      }
    }
    assertThat(slugs).as(controller).hasSizeGreaterThanOrEqualTo(4);
    return slugs;
  }

  static List<String> undocumented(JsonNode operation, Set<String> slugs) {
    Set<String> documented = new TreeSet<>();
    operation
        .path("responses")
        .forEach(
            response ->
                response
                    .path("content")
                    .path("application/problem+json")
                    .path("examples")
                    .forEach(
                        example -> documented.add(example.path("value").path("type").asString())));
    return slugs.stream().map(s -> "/problems/" + s).filter(t -> !documented.contains(t)).toList();
  }
}
