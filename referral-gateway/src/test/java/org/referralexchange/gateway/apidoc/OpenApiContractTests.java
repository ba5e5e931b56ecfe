package org.referralexchange.gateway.apidoc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.gateway.client.ApiClient;
import org.referralexchange.gateway.client.ApiException;
import org.referralexchange.gateway.client.api.ConsentsApi;
import org.referralexchange.gateway.client.api.ReferralsApi;
import org.referralexchange.gateway.client.model.CaseManager;
import org.referralexchange.gateway.client.model.Client;
import org.referralexchange.gateway.client.model.ConsentRecording;
import org.referralexchange.gateway.client.model.ConsentUse;
import org.referralexchange.gateway.client.model.NeedCode;
import org.referralexchange.gateway.client.model.Problem;
import org.referralexchange.gateway.client.model.Recipients;
import org.referralexchange.gateway.client.model.ReferralAccepted;
import org.referralexchange.gateway.client.model.ReferralSubmission;
import org.referralexchange.gateway.client.model.ReferralTarget;
import org.referralexchange.gateway.client.model.Signature;
import org.referralexchange.gateway.it.GatewayClient;
import org.referralexchange.gateway.it.TestInfrastructure;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.referralexchange.policy.ConsentPolicy;
import org.referralexchange.schemas.Topics;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * The gateway's OpenAPI document as served by the running gateway: valid for swagger-parser and
 * Redocly's linter, naming every problem type the code can answer with, and the same as the
 * committed contract ({@code api/openapi.json}) the test client is generated from.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenApiContractTests {

  /** The committed contract; the build generates the test client from it. */
  static final Path CONTRACT = Path.of("api/openapi.json");

  static final Path REDOCLY_CONFIG = Path.of("api/redocly.yaml");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
  }

  @LocalServerPort int port;

  @Autowired BuildProperties build;

  @BeforeEach
  void awaitReadiness() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> new GatewayClient(port).get(null, "/actuator/health/readiness").status() == 200);
  }

  String served() {
    GatewayClient.Response docs = new GatewayClient(port).get(null, "/v3/api-docs");
    assertThat(docs.status()).isEqualTo(200);
    return docs.body();
  }

  /** The served document, written to target/ for the linter and for a look. */
  Path servedFile() throws IOException {
    Path file = Path.of("target/openapi/referral-gateway.json");
    Files.createDirectories(file.getParent());
    Files.writeString(
        file,
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(served())),
        StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void servedDocumentIsValidForSwaggerParser() {
    assertThat(OpenApiChecks.swaggerParserMessages(served())).isEmpty();
  }

  @Test
  void servedDocumentPassesRedoclyLintWithoutErrorsOrWarnings() throws IOException {
    OpenApiChecks.redoclyUnavailable()
        .ifPresent(why -> Assumptions.abort("Redocly lint skipped: " + why));
    OpenApiChecks.LintResult lint = OpenApiChecks.redoclyLint(servedFile(), REDOCLY_CONFIG);
    assertThat(lint.clean()).as(lint.report()).isTrue();
  }

  @Test
  void servedDocumentIsTheCommittedContract() throws IOException {
    Path served = servedFile();
    JsonNode now = withoutVersion(JSON.readTree(Files.readString(served)));
    JsonNode committed =
        Files.exists(CONTRACT) ? withoutVersion(JSON.readTree(Files.readString(CONTRACT))) : null;
    if (!now.equals(committed) && Boolean.getBoolean("openapi.update")) {
      Files.copy(served, CONTRACT, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      committed = now;
    }
    assertThat(now)
        .as(
            "The served document differs from %s: if the change is meant, copy %s over it (or run"
                + " with -Dopenapi.update=true) and commit it; partners build on that file.",
            CONTRACT, served)
        .isEqualTo(committed);
  }

  @Test
  void documentHasTheTitleTheBuildVersionAndARelativeServer() {
    JsonNode doc = JSON.readTree(served());

    assertThat(doc.path("info").path("title").asString())
        .isEqualTo("Referral Exchange Gateway API");
    assertThat(doc.path("info").path("version").asString()).isEqualTo(build.getVersion());
    assertThat(doc.path("info").path("description").asString())
        .contains("Idempotency-Key")
        .contains("consent")
        .contains("application/problem+json");
    // Relative: whichever deployment serves it, never the address the test fetched it from.
    assertThat(doc.path("servers").size()).isEqualTo(1);
    assertThat(doc.path("servers").path(0).path("url").asString()).isEqualTo("/");
  }

  @Test
  void everyOperationNeedsTheAgencysApiKeyOrBearerToken() {
    JsonNode doc = JSON.readTree(served());
    JsonNode schemes = doc.path("components").path("securitySchemes");
    assertThat(schemes.path("agencyApiKey").path("type").asString()).isEqualTo("apiKey");
    assertThat(schemes.path("agencyApiKey").path("in").asString()).isEqualTo("header");
    assertThat(schemes.path("agencyApiKey").path("name").asString()).isEqualTo("X-Api-Key");
    assertThat(schemes.path("agencyBearerToken").path("scheme").asString()).isEqualTo("bearer");

    List<JsonNode> operations = operations(doc);
    assertThat(operations).hasSizeGreaterThanOrEqualTo(11);
    for (JsonNode operation : operations) {
      assertThat(operation.path("security").toString())
          .as(operation.path("operationId").asString())
          .isEqualTo("[{\"agencyApiKey\":[]},{\"agencyBearerToken\":[]}]");
      assertThat(operation.path("responses").has("401")).isTrue();
      assertThat(
              operation
                  .path("responses")
                  .path("401")
                  .path("content")
                  .has("application/problem+json"))
          .isTrue();
    }
  }

  /**
   * Every type the code can answer with: each constant of {@link ProblemTypes} and each consent
   * policy's name, found by reflection, not copied here.
   */
  @Test
  void documentNamesEveryProblemTypeTheCodeProduces() throws IllegalAccessException {
    Set<String> slugs = new LinkedHashSet<>();
    for (Field field : ProblemTypes.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        slugs.add((String) field.get(null));
      }
    }
    ConsentPolicy.ALL.forEach(policy -> slugs.add(policy.name()));
    assertThat(slugs).hasSizeGreaterThan(40);

    JsonNode doc = JSON.readTree(served());
    Set<String> inOperations = new LinkedHashSet<>();
    for (JsonNode operation : operations(doc)) {
      for (JsonNode response : operation.path("responses")) {
        for (JsonNode example :
            response.path("content").path("application/problem+json").path("examples")) {
          inOperations.add(example.path("value").path("type").asString());
        }
      }
    }
    String description = doc.path("info").path("description").asString();
    List<String> missing = new ArrayList<>();
    for (String slug : slugs) {
      String type = "/problems/" + slug;
      if (!description.contains("`" + type + "`")) {
        missing.add(type + " (not in the problem types table)");
      }
      // A method the path does not offer is no documented operation's answer.
      if (!slug.equals(ProblemTypes.METHOD_NOT_ALLOWED) && !inOperations.contains(type)) {
        missing.add(type + " (no operation answers it)");
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void submitReferralDocumentsItsRefusalsAndAnExample() {
    JsonNode submit = JSON.readTree(served()).path("paths").path("/api/v1/referrals").path("post");
    JsonNode responses = submit.path("responses");

    assertThat(submit.path("operationId").asString()).isEqualTo("submitReferral");
    assertThat(types(responses.path("409"))).containsExactly("/problems/idempotency-key-reused");
    assertThat(types(responses.path("422")))
        .contains(
            "/problems/idempotency-key-reused",
            "/problems/consent-not-found",
            "/problems/consent-does-not-cover-fields",
            "/problems/unknown-provider");
    assertThat(types(responses.path("415"))).containsExactly("/problems/unsupported-media-type");
    assertThat(types(responses.path("503")))
        .contains("/problems/broker-unavailable", "/problems/directory-not-read");
    assertThat(responses.path("503").path("headers").has("Retry-After")).isTrue();
    JsonNode example =
        submit
            .path("requestBody")
            .path("content")
            .path("application/json")
            .path("examples")
            .path("example")
            .path("value");
    assertThat(example.path("consent").path("consentId").asString()).isNotBlank();
    assertThat(example.path("client").path("familyName").asString()).isEqualTo("Example");
  }

  // --- A client generated from the committed contract (openapi-generator, see the pom) ---

  /** The generated client, pointed at this gateway, sending the API key the contract names. */
  ApiClient generatedClient(String apiKey) throws IOException {
    JsonNode contract = JSON.readTree(Files.readString(CONTRACT));
    JsonNode scheme = contract.path("components").path("securitySchemes").path("agencyApiKey");
    assertThat(scheme.path("in").asString()).isEqualTo("header");
    String header = scheme.path("name").asString();
    // The native library leaves authentication to the caller: the scheme's header on each call.
    ApiClient client = new ApiClient();
    client.updateBaseUri("http://127.0.0.1:" + port);
    client.setRequestInterceptor(request -> request.header(header, apiKey));
    return client;
  }

  String recordConsentWithGeneratedClient(ApiClient client, String clientId) throws ApiException {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
    return new ConsentsApi(client)
        .recordConsent(
            new ConsentRecording()
                .clientId(clientId)
                .recipients(new Recipients().providerIds(List.of("northside-food-bank")))
                .informationCategories(
                    List.of(
                        ConsentRecording.InformationCategoriesEnum.DEMOGRAPHICS,
                        ConsentRecording.InformationCategoriesEnum.SOCIAL_NEEDS))
                .part2(false)
                .purpose("COC")
                .expiresAt(now.plusDays(365))
                .signature(
                    new Signature()
                        .method(Signature.MethodEnum.ELECTRONIC)
                        .signedAt(now.minusHours(1))
                        .signerRole(Signature.SignerRoleEnum.CLIENT))
                .revocationRightAcknowledged(true)
                .servicesConditionedOnSigning(false)
                .redisclosureNoticeAcknowledged(true))
        .getConsentId();
  }

  static ReferralSubmission referral(String consentId, String clientId) {
    return new ReferralSubmission()
        .target(
            new ReferralTarget().providerId("northside-food-bank").serviceId("emergency-groceries"))
        .needs(
            List.of(
                new NeedCode()
                    .system(
                        "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes")
                    .code("food-insecurity")))
        .priority(ReferralSubmission.PriorityEnum.URGENT)
        .contactingSubjectProhibited(false)
        .consent(
            new ConsentUse()
                .consentId(consentId)
                .informationCategories(
                    List.of(
                        ConsentUse.InformationCategoriesEnum.DEMOGRAPHICS,
                        ConsentUse.InformationCategoriesEnum.SOCIAL_NEEDS))
                .purpose("COC"))
        .client(new Client().clientId(clientId).givenName("Ada").familyName("Example"))
        .caseManager(
            new CaseManager()
                .id("cm-7")
                .name("Casey Manager")
                .email("casey@county.example")
                .preferredChannels(List.of(CaseManager.PreferredChannelsEnum.EMAIL))
                .timeZone("America/Chicago"));
  }

  @Test
  void generatedClientSubmitsAReferralTheGatewayAcceptsAndPublishes() throws Exception {
    ApiClient client = generatedClient(GatewayClient.KEYS.get("county-hhs"));
    String clientId = "client-" + UUID.randomUUID();
    String consentId = recordConsentWithGeneratedClient(client, clientId);

    var accepted =
        new ReferralsApi(client)
            .submitReferralWithHttpInfo("key-" + UUID.randomUUID(), referral(consentId, clientId));

    assertThat(accepted.getStatusCode()).isEqualTo(202);
    ReferralAccepted body = accepted.getData();
    assertThat(body.getStatus()).isEqualTo("REQUESTED");
    assertThat(body.getLocation()).isEqualTo("/api/v1/referrals/" + body.getReferralId());
    List<SpecificRecord> events =
        ExchangeInfrastructure.events(Topics.REFERRAL_SUBMITTED.name(), body.getReferralId());
    assertThat(events).hasSize(1);
    ReferralSubmitted submitted = (ReferralSubmitted) events.get(0);
    assertThat(submitted.getReferralId()).isEqualTo(body.getReferralId());
    assertThat(submitted.getConsent().getConsentId()).isEqualTo(consentId);
  }

  /**
   * A referral under a consent nobody recorded comes back through the generated client as the
   * problem the contract documents for that operation and status, and publishes nothing.
   */
  @Test
  void generatedClientGetsTheDocumentedProblemForARefusedReferral() throws Exception {
    ApiClient client = generatedClient(GatewayClient.KEYS.get("county-hhs"));
    String topic = Topics.REFERRAL_SUBMITTED.name();
    long before =
        ExchangeInfrastructure.endOffsets(List.of(topic)).values().stream()
            .mapToLong(Long::longValue)
            .sum();

    ApiException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            ApiException.class,
            () ->
                new ReferralsApi(client)
                    .submitReferral(
                        "key-" + UUID.randomUUID(),
                        referral("cns-nobody-recorded", "client-" + UUID.randomUUID())));

    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(refused.getResponseHeaders().firstValue("Content-Type"))
        .hasValue("application/problem+json");
    Problem problem = client.getObjectMapper().readValue(refused.getResponseBody(), Problem.class);
    assertThat(problem.getType()).isEqualTo("/problems/consent-not-found");
    assertThat(problem.getStatus()).isEqualTo(422);
    JsonNode documented =
        JSON.readTree(Files.readString(CONTRACT))
            .path("paths")
            .path("/api/v1/referrals")
            .path("post")
            .path("responses")
            .path("422");
    assertThat(types(documented)).contains(problem.getType());
    long after =
        ExchangeInfrastructure.endOffsets(List.of(topic)).values().stream()
            .mapToLong(Long::longValue)
            .sum();
    assertThat(after).isEqualTo(before);
  }

  private static List<String> types(JsonNode response) {
    List<String> types = new ArrayList<>();
    response
        .path("content")
        .path("application/problem+json")
        .path("examples")
        .forEach(example -> types.add(example.path("value").path("type").asString()));
    return types;
  }

  private static List<JsonNode> operations(JsonNode doc) {
    List<JsonNode> operations = new ArrayList<>();
    for (JsonNode path : doc.path("paths")) {
      Stream.of("get", "put", "post", "delete", "patch")
          .filter(path::has)
          .forEach(method -> operations.add(path.path(method)));
    }
    return operations;
  }

  private static JsonNode withoutVersion(JsonNode doc) {
    ObjectNode copy = (ObjectNode) doc.deepCopy();
    ((ObjectNode) copy.path("info")).remove("version");
    return copy;
  }
}
