package org.referralexchange.registry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.registry.RegistryInstance.schemaBody;
import static org.referralexchange.registry.Schemas.payment;
import static org.referralexchange.registry.Schemas.paymentWithOptionalCurrency;
import static org.referralexchange.registry.Schemas.paymentWithRequiredCurrency;

import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.referralexchange.registry.RegistryInstance;
import org.referralexchange.registry.RegistryInstance.Response;
import org.referralexchange.registry.Schemas;
import tools.jackson.databind.node.ObjectNode;

/** Each endpoint's answers and error bodies, over HTTP, against a registry on a real broker. */
class SchemaRegistryApiTests {

  private static RegistryInstance registry;
  private String subject;

  @BeforeAll
  static void start() {
    registry = RegistryInstance.start(RegistryInstance.freshTopic());
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @org.junit.jupiter.api.BeforeEach
  void subjectPerTest(TestInfo test) {
    subject = test.getTestMethod().orElseThrow().getName() + "-value";
  }

  private static String canonical(String schema) {
    return new Schema.Parser().parse(schema).toString();
  }

  @Test
  void registerAnswersIdInConfluentMediaTypeAndServesTheSchemaById() {
    Response registered =
        registry.post("/subjects/" + subject + "/versions", schemaBody(payment()));

    assertThat(registered.status()).isEqualTo(200);
    assertThat(registered.contentType()).startsWith(RegistryInstance.V1);
    int id = registered.json().get("id").asInt();
    assertThat(registered.json().propertyNames()).containsExactly("id");

    Response byId = registry.get("/schemas/ids/" + id);
    assertThat(byId.status()).isEqualTo(200);
    assertThat(byId.json().get("schema").asString()).isEqualTo(canonical(payment()));
    assertThat(byId.json().has("schemaType")).as("AVRO omits schemaType").isFalse();
    assertThat(registry.get("/schemas/ids/" + id + "/schema").json())
        .isEqualTo(RegistryInstance.JSON.readTree(canonical(payment())));
  }

  @Test
  void registeringAnIdenticalSchemaAgainReturnsTheSameIdAndCreatesNoVersion() {
    int first = registry.register(subject, payment());
    String reformatted = payment().replace(",", " ,\n  ").replace(":", " : ");

    int second = registry.register(subject, reformatted);

    assertThat(second).isEqualTo(first);
    assertThat(registry.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
  }

  @Test
  void theSameSchemaUnderAnotherSubjectReusesItsGlobalId() {
    String schema = Schemas.record("Shared", Schemas.field("name", "string"));
    int first = registry.register(subject, schema);

    int other = registry.register(subject + "-other", schema);

    assertThat(other).isEqualTo(first);
    Response usages = registry.get("/schemas/ids/" + first + "/versions");
    assertThat(usages.json().toString())
        .isEqualTo(
            "[{\"subject\":\""
                + subject
                + "\",\"version\":1},{\"subject\":\""
                + subject
                + "-other\",\"version\":1}]");
    assertThat(registry.get("/schemas/ids/" + first + "/subjects").json().toString())
        .isEqualTo("[\"" + subject + "\",\"" + subject + "-other\"]");
  }

  @Test
  void differentSchemasGetDifferentIds() {
    int first = registry.register(subject, payment());
    int second = registry.register(subject, paymentWithOptionalCurrency());

    assertThat(second).isNotEqualTo(first);
    assertThat(registry.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1,2]");
  }

  @Test
  void acceptsPlainJsonAndSchemaRegistryJsonContentTypes() {
    String path = "/subjects/" + subject + "/versions";
    Response plain = registry.send(path, "POST", schemaBody(payment()), "application/json");
    Response generic =
        registry.send(path, "POST", schemaBody(payment()), "application/vnd.schemaregistry+json");

    assertThat(plain.status()).isEqualTo(200);
    assertThat(generic.status()).isEqualTo(200);
    assertThat(generic.json().get("id")).isEqualTo(plain.json().get("id"));
  }

  @Test
  void invalidAvroIsRefusedWith42201() {
    Response response =
        registry.post(
            "/subjects/" + subject + "/versions",
            schemaBody("{\"type\":\"record\",\"name\":\"Broken\",\"fields\":[{\"name\":\"x\"}]}"));

    assertThat(response.status()).isEqualTo(422);
    assertThat(response.errorCode()).isEqualTo(42201);
    assertThat(response.message()).startsWith("Invalid schema");
    assertThat(registry.get("/subjects/" + subject + "/versions").errorCode()).isEqualTo(40401);
  }

  @Test
  void emptySchemaIsRefusedWith42201() {
    Response response = registry.post("/subjects/" + subject + "/versions", "{}");

    assertThat(response.status()).isEqualTo(422);
    assertThat(response.errorCode()).isEqualTo(42201);
    assertThat(response.message()).isEqualTo("Empty schema");
  }

  @Test
  void schemaTypesOtherThanAvroAreRefusedSayingOnlyAvroIsSupported() {
    ObjectNode body = (ObjectNode) RegistryInstance.JSON.readTree(schemaBody("{}"));
    body.put("schemaType", "PROTOBUF");

    Response response = registry.post("/subjects/" + subject + "/versions", body.toString());

    assertThat(response.status()).isEqualTo(422);
    assertThat(response.errorCode()).isEqualTo(42201);
    assertThat(response.message()).contains("PROTOBUF").contains("only AVRO");
  }

  @Test
  void explicitAvroSchemaTypeIsAccepted() {
    ObjectNode body = (ObjectNode) RegistryInstance.JSON.readTree(schemaBody(payment()));
    body.put("schemaType", "AVRO");

    assertThat(registry.post("/subjects/" + subject + "/versions", body.toString()).status())
        .isEqualTo(200);
  }

  @Test
  void schemaReferencesAreRefusedAsUnsupported() {
    ObjectNode body = (ObjectNode) RegistryInstance.JSON.readTree(schemaBody(payment()));
    body.putArray("references")
        .addObject()
        .put("name", "org.example.Money")
        .put("subject", "money")
        .put("version", 1);

    Response response = registry.post("/subjects/" + subject + "/versions", body.toString());

    assertThat(response.status()).isEqualTo(422);
    assertThat(response.errorCode()).isEqualTo(42201);
    assertThat(response.message()).contains("references are not supported");
  }

  @Test
  void anIncompatibleChangeIsRefusedWith409NamingTheRecordAndField() {
    registry.register(subject, payment());

    Response response =
        registry.post(
            "/subjects/" + subject + "/versions", schemaBody(paymentWithRequiredCurrency()));

    assertThat(response.status()).isEqualTo(409);
    assertThat(response.errorCode()).isEqualTo(409);
    assertThat(response.message())
        .contains("incompatible with an earlier schema for subject \"" + subject + "\"")
        .contains("org.example.Payment field 'currency'")
        .contains("BACKWARD");
    assertThat(registry.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
  }

  @Test
  void lookupAnswersSubjectIdVersionAndSchemaOfARegisteredSchema() {
    registry.register(subject, payment());
    int id = registry.register(subject, paymentWithOptionalCurrency());

    Response found =
        registry.post("/subjects/" + subject, schemaBody(paymentWithOptionalCurrency()));

    assertThat(found.status()).isEqualTo(200);
    assertThat(found.json().get("subject").asString()).isEqualTo(subject);
    assertThat(found.json().get("id").asInt()).isEqualTo(id);
    assertThat(found.json().get("version").asInt()).isEqualTo(2);
    assertThat(found.json().get("schema").asString())
        .isEqualTo(canonical(paymentWithOptionalCurrency()));
  }

  @Test
  void lookupOfAnUnknownSubjectIs40401AndOfAnUnregisteredSchema40403() {
    Response unknownSubject = registry.post("/subjects/" + subject, schemaBody(payment()));
    assertThat(unknownSubject.status()).isEqualTo(404);
    assertThat(unknownSubject.body())
        .isEqualTo("{\"error_code\":40401,\"message\":\"Subject '" + subject + "' not found.\"}");

    registry.register(subject, payment());
    Response unknownSchema =
        registry.post("/subjects/" + subject, schemaBody(paymentWithOptionalCurrency()));
    assertThat(unknownSchema.status()).isEqualTo(404);
    assertThat(unknownSchema.errorCode()).isEqualTo(40403);
  }

  @Test
  void anUnknownSchemaIdIs40403() {
    Response response = registry.get("/schemas/ids/987654");

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.errorCode()).isEqualTo(40403);
    assertThat(registry.get("/schemas/ids/987654/versions").errorCode()).isEqualTo(40403);
    assertThat(registry.get("/schemas/ids/not-a-number").status()).isEqualTo(404);
  }

  @Test
  void subjectsListsRegisteredSubjects() {
    registry.register(subject, payment());

    assertThat(registry.get("/subjects").json().valueStream().map(n -> n.asString()))
        .contains(subject);
  }

  @Test
  void versionsCanBeReadByNumberAndAsLatest() {
    int first = registry.register(subject, payment());
    int second = registry.register(subject, paymentWithOptionalCurrency());

    Response v1 = registry.get("/subjects/" + subject + "/versions/1");
    Response latest = registry.get("/subjects/" + subject + "/versions/latest");

    assertThat(v1.status()).isEqualTo(200);
    assertThat(v1.json().get("subject").asString()).isEqualTo(subject);
    assertThat(v1.json().get("version").asInt()).isEqualTo(1);
    assertThat(v1.json().get("id").asInt()).isEqualTo(first);
    assertThat(v1.json().get("schema").asString()).isEqualTo(canonical(payment()));
    assertThat(latest.json().get("version").asInt()).isEqualTo(2);
    assertThat(latest.json().get("id").asInt()).isEqualTo(second);
    assertThat(registry.get("/subjects/" + subject + "/versions/-1").json().get("version").asInt())
        .isEqualTo(2);
    assertThat(registry.get("/subjects/" + subject + "/versions/2/schema").json())
        .isEqualTo(RegistryInstance.JSON.readTree(canonical(paymentWithOptionalCurrency())));
  }

  @Test
  void versionErrorsAre40401And40402And42202() {
    assertThat(registry.get("/subjects/" + subject + "/versions").errorCode()).isEqualTo(40401);
    assertThat(registry.get("/subjects/" + subject + "/versions/1").errorCode()).isEqualTo(40401);

    registry.register(subject, payment());
    Response missing = registry.get("/subjects/" + subject + "/versions/7");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body())
        .isEqualTo("{\"error_code\":40402,\"message\":\"Version 7 not found.\"}");

    for (String invalid : new String[] {"0", "-2", "abc", "2147483648"}) {
      Response response = registry.get("/subjects/" + subject + "/versions/" + invalid);
      assertThat(response.status()).as(invalid).isEqualTo(422);
      assertThat(response.errorCode()).as(invalid).isEqualTo(42202);
      assertThat(response.message()).contains("'" + invalid + "'");
    }
  }

  @Test
  void compatibilityEndpointAnswersWhetherASchemaWouldBeAccepted() {
    registry.register(subject, payment());
    String path = "/compatibility/subjects/" + subject + "/versions/latest";

    Response compatible = registry.post(path, schemaBody(paymentWithOptionalCurrency()));
    Response incompatible = registry.post(path, schemaBody(paymentWithRequiredCurrency()));
    Response verbose =
        registry.post(path + "?verbose=true", schemaBody(paymentWithRequiredCurrency()));

    assertThat(compatible.status()).isEqualTo(200);
    assertThat(compatible.body()).isEqualTo("{\"is_compatible\":true}");
    assertThat(incompatible.body()).isEqualTo("{\"is_compatible\":false}");
    assertThat(verbose.json().get("is_compatible").asBoolean()).isFalse();
    assertThat(verbose.json().get("messages").get(0).asString())
        .contains("org.example.Payment field 'currency'");
    assertThat(
            registry
                .post(
                    "/compatibility/subjects/" + subject + "/versions/1",
                    schemaBody(paymentWithOptionalCurrency()))
                .json()
                .get("is_compatible")
                .asBoolean())
        .isTrue();
    assertThat(registry.get("/subjects/" + subject + "/versions").body())
        .as("testing registers nothing")
        .isEqualTo("[1]");
  }

  @Test
  void compatibilityEndpointErrorsAre40401And40402And42201() {
    String path = "/compatibility/subjects/" + subject + "/versions/";
    assertThat(registry.post(path + "latest", schemaBody(payment())).errorCode()).isEqualTo(40401);

    registry.register(subject, payment());
    assertThat(registry.post(path + "5", schemaBody(payment())).errorCode()).isEqualTo(40402);
    assertThat(registry.post(path + "latest", schemaBody("{\"type\":\"nope\"}")).errorCode())
        .isEqualTo(42201);
    assertThat(registry.post(path + "zero", schemaBody(payment())).errorCode()).isEqualTo(42202);
  }

  @Test
  void subjectConfigIs40408UntilSetUnlessDefaultingToGlobal() {
    Response unset = registry.get("/config/" + subject);
    assertThat(unset.status()).isEqualTo(404);
    assertThat(unset.body())
        .isEqualTo(
            "{\"error_code\":40408,\"message\":\"Subject '"
                + subject
                + "' does not have subject-level compatibility configured\"}");
    assertThat(registry.get("/config/" + subject + "?defaultToGlobal=true").body())
        .isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");

    Response set = registry.put("/config/" + subject, "{\"compatibility\":\"full\"}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.body()).isEqualTo("{\"compatibility\":\"FULL\"}");
    assertThat(registry.get("/config/" + subject).body())
        .isEqualTo("{\"compatibilityLevel\":\"FULL\"}");

    Response deleted = registry.delete("/config/" + subject);
    assertThat(deleted.body()).isEqualTo("{\"compatibilityLevel\":\"FULL\"}");
    assertThat(registry.get("/config/" + subject).errorCode()).isEqualTo(40408);
    assertThat(registry.delete("/config/" + subject).errorCode()).isEqualTo(40408);
  }

  @Test
  void anUnknownCompatibilityLevelIs42203() {
    Response subjectLevel = registry.put("/config/" + subject, "{\"compatibility\":\"SIDEWAYS\"}");
    Response global = registry.put("/config", "{\"compatibility\":\"SIDEWAYS\"}");
    Response missing = registry.put("/config", "{}");

    assertThat(subjectLevel.status()).isEqualTo(422);
    assertThat(subjectLevel.errorCode()).isEqualTo(42203);
    assertThat(global.errorCode()).isEqualTo(42203);
    assertThat(missing.errorCode()).isEqualTo(42203);
    assertThat(registry.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
  }

  @Test
  void anUnknownPathIs404WithAnErrorBody() {
    Response response = registry.get("/no/such/thing");

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.contentType()).startsWith(RegistryInstance.V1);
    assertThat(response.body())
        .isEqualTo("{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
  }

  @Test
  void malformedJsonIs400WithAnErrorBodyAsConfluentAnswers() {
    Response response = registry.post("/subjects/" + subject + "/versions", "{\"schema\": ");

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.errorCode()).isEqualTo(400);
    assertThat(response.message()).startsWith("Malformed JSON request body");
    assertThat(response.body()).doesNotContain("at org.").doesNotContain("Exception");
  }

  @Test
  void anUnsupportedMethodIs405AndAnUnsupportedContentType415() {
    Response method = registry.send("/subjects", "PATCH", "{}", RegistryInstance.V1);
    Response contentType =
        registry.send("/subjects/" + subject + "/versions", "POST", "schema=x", "text/plain");

    assertThat(method.status()).isEqualTo(405);
    assertThat(method.errorCode()).isEqualTo(405);
    assertThat(contentType.status()).isEqualTo(415);
    assertThat(contentType.errorCode()).isEqualTo(415);
  }

  @Test
  void rootAndSchemaTypesAnswerLikeConfluent() {
    assertThat(registry.get("/").body()).isEqualTo("{}");
    assertThat(registry.get("/schemas/types").body()).isEqualTo("[\"AVRO\"]");
  }
}
