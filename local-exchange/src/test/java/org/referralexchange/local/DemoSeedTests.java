package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The demo consent covers every demo provider, the email-intake one included. */
class DemoSeedTests {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void theDemoConsentNamesTheWebhookFhirAndEmailIntakeProviders() {
    JsonNode body = JSON.readTree(DemoSeedComponent.consentBody("demo-client-1", Instant.now()));

    java.util.List<String> named = new java.util.ArrayList<>();
    body.path("recipients").path("providerIds").forEach(id -> named.add(id.asString()));
    assertThat(named)
        .containsExactlyInAnyOrder("northside-food-bank", "riverside-housing", "community-pantry");
  }

  @Test
  void anOlderConsentWithoutTheIntakeProviderIsNotReused() {
    JsonNode older = JSON.readTree("[\"northside-food-bank\", \"riverside-housing\"]");
    JsonNode current =
        JSON.readTree("[\"northside-food-bank\", \"riverside-housing\", \"community-pantry\"]");

    assertThat(DemoSeedComponent.namesEveryDemoProvider(older)).isFalse();
    assertThat(DemoSeedComponent.namesEveryDemoProvider(current)).isTrue();
  }
}
