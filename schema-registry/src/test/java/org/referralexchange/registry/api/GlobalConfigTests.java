package org.referralexchange.registry.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.registry.RegistryInstance.schemaBody;
import static org.referralexchange.registry.Schemas.payment;
import static org.referralexchange.registry.Schemas.paymentWithRequiredCurrency;
import static org.referralexchange.registry.Schemas.paymentWithoutAmount;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.registry.RegistryInstance;

/** The global level: its configured default, changing it, and resetting it. */
class GlobalConfigTests {

  private static RegistryInstance registry;

  @BeforeAll
  static void start() {
    registry =
        RegistryInstance.start(
            RegistryInstance.freshTopic(), "registry.default-compatibility=forward");
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  @Test
  void theGlobalLevelStartsAtTheConfiguredDefaultThenFollowsPutsAndResetsOnDelete() {
    assertThat(registry.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"FORWARD\"}");
    registry.register("forward-default", payment());
    assertThat(
            registry
                .post(
                    "/subjects/forward-default/versions", schemaBody(paymentWithRequiredCurrency()))
                .status())
        .as("FORWARD lets a required field in")
        .isEqualTo(200);

    assertThat(registry.put("/config", "{\"compatibility\":\"BACKWARD\"}").body())
        .isEqualTo("{\"compatibility\":\"BACKWARD\"}");
    assertThat(registry.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    assertThat(registry.get("/config/any-subject?defaultToGlobal=true").body())
        .isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    registry.register("backward-global", paymentWithRequiredCurrency());
    assertThat(
            registry
                .post("/subjects/backward-global/versions", schemaBody(paymentWithoutAmount()))
                .status())
        .as("BACKWARD lets a field go")
        .isEqualTo(200);

    assertThat(registry.delete("/config").body())
        .isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    assertThat(registry.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"FORWARD\"}");
  }
}
