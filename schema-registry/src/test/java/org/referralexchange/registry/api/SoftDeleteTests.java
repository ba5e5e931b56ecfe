package org.referralexchange.registry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.registry.RegistryInstance.schemaBody;
import static org.referralexchange.registry.Schemas.payment;
import static org.referralexchange.registry.Schemas.paymentWithOptionalCurrency;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.referralexchange.registry.RegistryInstance;
import org.referralexchange.registry.RegistryInstance.Response;

/** Confluent's two-step deletes: soft (hidden, ids still served), then permanent. */
class SoftDeleteTests {

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

  @BeforeEach
  void subjectPerTest(TestInfo test) {
    subject = test.getTestMethod().orElseThrow().getName();
  }

  @Test
  void softDeleteListsTheDeletedVersionsAndHidesTheSubject() {
    int id = registry.register(subject, payment());
    registry.register(subject, paymentWithOptionalCurrency());

    Response deleted = registry.delete("/subjects/" + subject);

    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.body()).isEqualTo("[1,2]");
    assertThat(registry.get("/subjects").body()).doesNotContain("\"" + subject + "\"");
    assertThat(registry.get("/subjects?deleted=true").body()).contains("\"" + subject + "\"");
    assertThat(registry.get("/subjects/" + subject + "/versions").errorCode()).isEqualTo(40401);
    assertThat(registry.get("/subjects/" + subject + "/versions/latest").errorCode())
        .isEqualTo(40401);
    assertThat(registry.post("/subjects/" + subject, schemaBody(payment())).errorCode())
        .isEqualTo(40401);
    assertThat(registry.get("/subjects/" + subject + "/versions?deleted=true").body())
        .isEqualTo("[1,2]");
    assertThat(registry.get("/schemas/ids/" + id).status())
        .as("consumers can still read old data")
        .isEqualTo(200);
  }

  @Test
  void softDeletingTwiceIs40404() {
    registry.register(subject, payment());
    registry.delete("/subjects/" + subject);

    Response again = registry.delete("/subjects/" + subject);

    assertThat(again.status()).isEqualTo(404);
    assertThat(again.errorCode()).isEqualTo(40404);
  }

  @Test
  void deletingAnUnknownSubjectIs40401() {
    assertThat(registry.delete("/subjects/" + subject).errorCode()).isEqualTo(40401);
    assertThat(registry.delete("/subjects/" + subject + "?permanent=true").errorCode())
        .isEqualTo(40401);
  }

  @Test
  void permanentDeleteWithoutSoftDeleteFirstIs40405() {
    registry.register(subject, payment());

    Response response = registry.delete("/subjects/" + subject + "?permanent=true");

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.errorCode()).isEqualTo(40405);
    assertThat(registry.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
  }

  @Test
  void registeringAgainAfterSoftDeleteStartsANewVersionAndKeepsTheId() {
    int id = registry.register(subject, payment());
    registry.register(subject, paymentWithOptionalCurrency());
    registry.delete("/subjects/" + subject);

    int again = registry.register(subject, payment());

    assertThat(again).isEqualTo(id);
    assertThat(registry.get("/subjects/" + subject + "/versions").body()).isEqualTo("[3]");
    assertThat(registry.get("/subjects").body()).contains("\"" + subject + "\"");
  }

  @Test
  void permanentDeleteAfterSoftDeleteRemovesTheSubjectAndVersionsStartOver() {
    int id = registry.register(subject, payment());
    registry.put("/config/" + subject, "{\"compatibility\":\"NONE\"}");
    registry.delete("/subjects/" + subject);

    Response permanent = registry.delete("/subjects/" + subject + "?permanent=true");

    assertThat(permanent.status()).isEqualTo(200);
    assertThat(permanent.body()).isEqualTo("[1]");
    assertThat(registry.get("/subjects?deleted=true").body()).doesNotContain("\"" + subject + "\"");
    assertThat(registry.get("/config/" + subject).errorCode()).isEqualTo(40408);
    assertThat(registry.register(subject, payment())).as("same schema, same id").isEqualTo(id);
    assertThat(registry.get("/subjects/" + subject + "/versions").body()).isEqualTo("[1]");
  }

  @Test
  void versionsAreDeletedSoftlyThenPermanentlyWith40406And40407() {
    registry.register(subject, payment());
    registry.register(subject, paymentWithOptionalCurrency());
    String v1 = "/subjects/" + subject + "/versions/1";

    assertThat(registry.delete(v1 + "?permanent=true").errorCode()).isEqualTo(40407);
    assertThat(registry.delete(v1).body()).isEqualTo("1");
    assertThat(registry.delete(v1).errorCode()).isEqualTo(40406);
    assertThat(registry.get("/subjects/" + subject + "/versions").body()).isEqualTo("[2]");
    assertThat(registry.get(v1).errorCode()).isEqualTo(40402);
    assertThat(registry.get(v1 + "?deleted=true").json().get("version").asInt()).isEqualTo(1);

    assertThat(registry.delete(v1 + "?permanent=true").body()).isEqualTo("1");
    assertThat(registry.get("/subjects/" + subject + "/versions?deleted=true").body())
        .isEqualTo("[2]");
  }
}
