package org.referralexchange.registry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.registry.RegistryInstance.schemaBody;
import static org.referralexchange.registry.Schemas.field;
import static org.referralexchange.registry.Schemas.fieldWithDefault;
import static org.referralexchange.registry.Schemas.payment;
import static org.referralexchange.registry.Schemas.paymentWithOptionalCurrency;
import static org.referralexchange.registry.Schemas.paymentWithRequiredCurrency;
import static org.referralexchange.registry.Schemas.paymentWithoutAmount;
import static org.referralexchange.registry.Schemas.record;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.registry.RegistryInstance;
import org.referralexchange.registry.RegistryInstance.Response;

/**
 * Each level lets through what Confluent's would and refuses the rest with 409 naming the field.
 * Every test sets its subject's own level, so the global default plays no part.
 */
class CompatibilityLevelTests {

  private static RegistryInstance registry;

  @BeforeAll
  static void start() {
    registry = RegistryInstance.start(RegistryInstance.freshTopic());
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  private static String subjectAt(String level, String name) {
    String subject = name + "-" + level.toLowerCase();
    assertThat(registry.put("/config/" + subject, "{\"compatibility\":\"" + level + "\"}").status())
        .isEqualTo(200);
    return subject;
  }

  private static Response register(String subject, String schema) {
    return registry.post("/subjects/" + subject + "/versions", schemaBody(schema));
  }

  @Test
  void backwardRefusesANewFieldWithoutDefaultAndAllowsRemovingAField() {
    String subject = subjectAt("BACKWARD", "added-field");
    registry.register(subject, payment());

    Response added = register(subject, paymentWithRequiredCurrency());
    Response removed = register(subject, paymentWithoutAmount());

    assertThat(added.status()).isEqualTo(409);
    assertThat(added.message()).contains("org.example.Payment field 'currency'");
    assertThat(removed.status()).isEqualTo(200);
  }

  @Test
  void forwardAllowsANewFieldWithoutDefaultAndRefusesRemovingARequiredField() {
    String subject = subjectAt("FORWARD", "added-field");
    registry.register(subject, payment());

    Response added = register(subject, paymentWithRequiredCurrency());
    Response removed = register(subject, paymentWithoutAmount());

    assertThat(added.status()).isEqualTo(200);
    assertThat(removed.status()).isEqualTo(409);
    assertThat(removed.message())
        .contains("org.example.Payment field 'amount'")
        .contains("FORWARD");
  }

  @Test
  void fullRefusesBothAndAllowsAnOptionalField() {
    String subject = subjectAt("FULL", "added-field");
    registry.register(subject, payment());

    assertThat(register(subject, paymentWithRequiredCurrency()).status()).isEqualTo(409);
    assertThat(register(subject, paymentWithoutAmount()).status()).isEqualTo(409);
    assertThat(register(subject, paymentWithOptionalCurrency()).status()).isEqualTo(200);
  }

  @Test
  void noneAllowsAnyChangeEvenOfAFieldsType() {
    String subject = subjectAt("NONE", "type-change");
    registry.register(subject, payment());

    Response changed =
        register(subject, record("Payment", field("id", "string"), field("amount", "string")));

    assertThat(changed.status()).isEqualTo(200);
    assertThat(registry.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1,2]");
  }

  @Test
  void backwardChecksOnlyTheLatestVersionWhileBackwardTransitiveChecksThemAll() {
    // v3 reads v2 (amount gone, v3's has a default) but not v1 (amount was a double).
    String v3 =
        record("Payment", field("id", "string"), fieldWithDefault("amount", "string", "\"0\""));
    String plain = subjectAt("BACKWARD", "retyped");
    String transitive = subjectAt("BACKWARD_TRANSITIVE", "retyped");
    for (String subject : new String[] {plain, transitive}) {
      registry.register(subject, payment());
      registry.register(subject, paymentWithoutAmount());
    }

    Response againstLatest = register(plain, v3);
    Response againstAll = register(transitive, v3);

    assertThat(againstLatest.status()).isEqualTo(200);
    assertThat(againstAll.status()).isEqualTo(409);
    assertThat(againstAll.message())
        .contains("org.example.Payment field 'amount'")
        .contains("version 1");
  }

  @Test
  void forwardTransitiveChecksEveryEarlierVersion() {
    // v1 needs currency; v2 gives it a default; v3 drops it: v2 reads v3, v1 cannot.
    String v1 = record("Payment", field("id", "string"), field("currency", "string"));
    String v2 =
        record("Payment", field("id", "string"), fieldWithDefault("currency", "string", "\"EUR\""));
    String v3 = record("Payment", field("id", "string"));
    String plain = subjectAt("FORWARD", "dropped");
    String transitive = subjectAt("FORWARD_TRANSITIVE", "dropped");
    for (String subject : new String[] {plain, transitive}) {
      registry.register(subject, v1);
      registry.register(subject, v2);
    }

    assertThat(register(plain, v3).status()).isEqualTo(200);
    Response refused = register(transitive, v3);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.message()).contains("field 'currency'");
  }

  @Test
  void theSubjectLevelOverridesTheGlobalOneAndDeletingItFallsBack() {
    String subject = subjectAt("NONE", "override");
    registry.register(subject, payment());
    assertThat(register(subject, paymentWithRequiredCurrency()).status()).isEqualTo(200);

    registry.delete("/config/" + subject);

    Response refused =
        register(
            subject,
            record(
                "Payment",
                field("id", "string"),
                field("amount", "double"),
                field("currency", "string"),
                field("country", "string")));
    assertThat(refused.status()).as("global BACKWARD applies again").isEqualTo(409);
    assertThat(refused.message()).contains("field 'country'");
  }

  @Test
  void theCompatibilityEndpointUsesTheSubjectsLevel() {
    String subject = subjectAt("FORWARD", "endpoint");
    registry.register(subject, payment());
    String path = "/compatibility/subjects/" + subject + "/versions/latest";

    assertThat(registry.post(path, schemaBody(paymentWithRequiredCurrency())).body())
        .isEqualTo("{\"is_compatible\":true}");
    assertThat(registry.post(path, schemaBody(paymentWithoutAmount())).body())
        .isEqualTo("{\"is_compatible\":false}");
    assertThat(
            registry
                .post(
                    "/compatibility/subjects/" + subject + "/versions?verbose=true",
                    schemaBody(paymentWithoutAmount()))
                .json()
                .get("messages")
                .get(0)
                .asString())
        .contains("field 'amount'");
  }
}
