package org.referralexchange.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.registry.Schemas.field;
import static org.referralexchange.registry.Schemas.payment;
import static org.referralexchange.registry.Schemas.paymentWithOptionalCurrency;
import static org.referralexchange.registry.Schemas.record;

import org.junit.jupiter.api.Test;

/**
 * Everything lives in the topic: a new instance on the same broker reads it to its end before it
 * answers, so its very first answers already match (no waiting in these assertions).
 */
class RestartTests {

  @Test
  void aRestartedRegistryServesTheSameIdsSubjectsVersionsConfigsAndDeletes() {
    String topic = RegistryInstance.freshTopic();
    int paymentId;
    int currencyId;
    int otherId;
    try (RegistryInstance first = RegistryInstance.start(topic)) {
      paymentId = first.register("payments-value", payment());
      currencyId = first.register("payments-value", paymentWithOptionalCurrency());
      otherId = first.register("gone-value", record("Gone", field("x", "int")));
      first.delete("/subjects/gone-value");
      first.put("/config", "{\"compatibility\":\"FULL_TRANSITIVE\"}");
      first.put("/config/payments-value", "{\"compatibility\":\"NONE\"}");
    }

    try (RegistryInstance second = RegistryInstance.start(topic)) {
      assertThat(second.get("/subjects").body()).isEqualTo("[\"payments-value\"]");
      assertThat(second.get("/subjects?deleted=true").body())
          .isEqualTo("[\"gone-value\",\"payments-value\"]");
      assertThat(second.get("/subjects/payments-value/versions").body()).isEqualTo("[1,2]");
      assertThat(second.get("/subjects/payments-value/versions/2").json().get("id").asInt())
          .isEqualTo(currencyId);
      assertThat(second.get("/schemas/ids/" + paymentId).json().get("schema").asString())
          .isEqualTo(new org.apache.avro.Schema.Parser().parse(payment()).toString());
      assertThat(second.get("/schemas/ids/" + otherId).status()).isEqualTo(200);
      assertThat(second.get("/config").body())
          .isEqualTo("{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}");
      assertThat(second.get("/config/payments-value").body())
          .isEqualTo("{\"compatibilityLevel\":\"NONE\"}");

      assertThat(second.register("payments-value", payment())).isEqualTo(paymentId);
      int next = second.register("fresh-value", record("Fresh", field("y", "long")));
      assertThat(next).as("ids are not reused").isGreaterThan(otherId);
    }
  }
}
