package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.referralexchange.testing.ProviderDirectoryRecords;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway takes its providers from the provider directory the adapters fill: a referral goes
 * only to a provider listed as served, for a service it lists; a refused one publishes nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProviderDirectoryTests {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
  }

  @LocalServerPort int port;

  GatewayClient client() {
    return new GatewayClient(port);
  }

  /** Records a consent naming the provider, once the gateway has read its directory entry. */
  String consentFor(String providerId, String clientId) {
    String body =
        Requests.consent(
            clientId,
            providerId,
            "\"DEMOGRAPHICS\", \"CONTACT_DETAILS\", \"SOCIAL_NEEDS\"",
            false,
            "COC",
            Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS));
    GatewayClient.Response[] recorded = new GatewayClient.Response[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                (recorded[0] = client().post("county-hhs", "/api/v1/consents", body)).status()
                    == 201);
    return recorded[0].json().path("consentId").asString();
  }

  GatewayClient.Response submit(String key, String consentId, String clientId, String target) {
    String body =
        Requests.referral(consentId, clientId)
            .replace(
                "\"providerId\": \"northside-food-bank\", \"serviceId\": \"emergency-groceries\"",
                target);
    return client().post("county-hhs", "/api/v1/referrals", body, "Idempotency-Key", key);
  }

  /** The referral id the gateway derives from the agency and the Idempotency-Key. */
  static String referralIdOf(String key) {
    return "ref-"
        + UUID.nameUUIDFromBytes(("county-hhs\u0000" + key).getBytes(StandardCharsets.UTF_8));
  }

  static ProviderListed entry(String providerId, boolean served) {
    return ProviderListed.newBuilder(
            ProviderDirectoryRecords.served(
                providerId,
                "Clinic " + providerId,
                List.of("food"),
                Map.of("intake", "Intake visit")))
        .setServed(served)
        .build();
  }

  @Test
  void refusesAReferralToAProviderNoAdapterServesAndPublishesNothing() {
    String providerId = "closed-" + UUID.randomUUID().toString().substring(0, 8);
    ProviderDirectoryRecords.publish(entry(providerId, false));
    String clientId = "client-" + UUID.randomUUID();
    String consentId = consentFor(providerId, clientId);
    String key = "key-" + UUID.randomUUID();

    GatewayClient.Response refused =
        submit(
            key,
            consentId,
            clientId,
            "\"providerId\": \"" + providerId + "\", \"serviceId\": \"intake\"");

    assertThat(refused.status()).as(refused.body()).isEqualTo(422);
    assertThat(refused.json().path("type").asString()).isEqualTo("/problems/provider-not-served");
    assertThat(refused.json().path("detail").asString()).contains(providerId);
    assertThat(ExchangeInfrastructure.readAll(Topics.REFERRAL_SUBMITTED.name()))
        .noneMatch(r -> r.key().equals(referralIdOf(key)));
  }

  @Test
  void acceptsAServedProviderOnceTheDirectoryListsItAndNamesTheService() {
    String providerId = "new-" + UUID.randomUUID().toString().substring(0, 8);
    String target = "\"providerId\": \"" + providerId + "\", \"serviceId\": \"intake\"";
    String clientId = "client-" + UUID.randomUUID();
    String early = "key-" + UUID.randomUUID();
    GatewayClient.Response unknown = submit(early, "cns-none", clientId, target);
    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.json().path("type").asString()).isEqualTo("/problems/unknown-provider");

    ProviderDirectoryRecords.publish(entry(providerId, true));
    String consentId = consentFor(providerId, clientId);
    GatewayClient.Response otherService =
        submit(
            "key-" + UUID.randomUUID(),
            consentId,
            clientId,
            "\"providerId\": \"" + providerId + "\", \"serviceId\": \"counseling\"");
    assertThat(otherService.status()).isEqualTo(422);
    assertThat(otherService.json().path("type").asString()).isEqualTo("/problems/unknown-service");

    String key = "key-" + UUID.randomUUID();
    GatewayClient.Response accepted = submit(key, consentId, clientId, target);

    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    List<SpecificRecord> onTopic =
        ExchangeInfrastructure.events(Topics.REFERRAL_SUBMITTED.name(), referralIdOf(key));
    assertThat(onTopic).hasSize(1);
    ReferralSubmitted submitted = (ReferralSubmitted) onTopic.get(0);
    assertThat(submitted.getTarget().getProviderId()).isEqualTo(providerId);
    assertThat(submitted.getTarget().getServiceName()).isEqualTo("Intake visit");
  }

  @Test
  void readinessIncludesTheProviderDirectory() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              GatewayClient.Response ready = client().get(null, "/actuator/health/readiness");
              assertThat(ready.status()).isEqualTo(200);
              assertThat(ready.body()).contains("\"providerDirectory\"");
            });
  }
}
