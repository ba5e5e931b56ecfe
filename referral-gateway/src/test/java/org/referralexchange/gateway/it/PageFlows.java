package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Money;
import org.referralexchange.events.v1.Outcome;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ProviderContact;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.referralexchange.testing.ProviderDirectoryRecords;

/**
 * Referrals for the page tests, made through the API as an agency's system makes them, and the
 * provider's and the adapter's events published on the topics as the adapter publishes them.
 */
final class PageFlows {

  static final String PANTRY = "pages-pantry";
  static final String KITCHEN = "pages-kitchen";
  static final String PANTRY_PHONE = "+15555550142";
  static final String PANTRY_EMAIL = "intake@pantry.example";

  private static boolean listed;

  private PageFlows() {}

  /** Two providers of the directory for these tests; the pantry lists its contact. */
  static synchronized void listProviders() {
    if (listed) {
      return;
    }
    ProviderDirectoryRecords.publish(
        ProviderListed.newBuilder(
                ProviderDirectoryRecords.served(
                    PANTRY, "Eastside Pantry", List.of("food"), Map.of("pantry-box", "Pantry box")))
            .setContact(
                ProviderContact.newBuilder()
                    .setPhone(PANTRY_PHONE)
                    .setEmail(PANTRY_EMAIL)
                    .setWebsite("https://pantry.example")
                    .build())
            .build());
    ProviderDirectoryRecords.publish(
        ProviderDirectoryRecords.served(
            KITCHEN, "Westside Kitchen", List.of("food"), Map.of("hot-meals", "Hot meals")));
    listed = true;
  }

  /** A consent naming both test providers, and a referral under it to the pantry. */
  record Made(String referralId, String consentId, String clientId) {}

  static Made referralToPantry(GatewayClient api) {
    String clientId = "client-" + UUID.randomUUID();
    GatewayClient.Response consent =
        api.post(
            "county-hhs",
            "/api/v1/consents",
            Requests.consent(
                clientId,
                PANTRY + "\", \"" + KITCHEN,
                Requests.EVERYTHING_SENT,
                false,
                "COC",
                Instant.now().plus(365, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS)));
    assertThat(consent.status()).as(consent.body()).isEqualTo(201);
    String consentId = consent.json().path("consentId").asString();
    String body =
        Requests.referral(consentId, clientId)
            .replace(
                "\"providerId\": \"northside-food-bank\", \"serviceId\": \"emergency-groceries\"",
                "\"providerId\": \"" + PANTRY + "\", \"serviceId\": \"pantry-box\"");
    String key = "key-" + UUID.randomUUID();
    GatewayClient.Response accepted =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> api.post("county-hhs", "/api/v1/referrals", body, "Idempotency-Key", key),
                r -> r.status() != 503);
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    return new Made(accepted.json().path("referralId").asString(), consentId, clientId);
  }

  static void providerSays(
      String referralId, ReferralStatus status, String code, String text, Outcome outcome) {
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referralId,
        ReferralStatusChanged.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(Instant.now())
            .setReferralId(referralId)
            .setProviderId(PANTRY)
            .setStatus(status)
            .setReason(
                code == null && text == null
                    ? null
                    : Reason.newBuilder().setCode(code).setText(text).build())
            .setActor(
                Actor.newBuilder().setRole(ActorRole.PROVIDER).setOrganizationId(PANTRY).build())
            .setProviderReference("Task/9")
            .setOutcome(outcome)
            .build());
  }

  static Outcome twoBoxes() {
    return Outcome.newBuilder()
        .setDelivered("Two pantry boxes")
        .setUnits(2.0)
        .setUnitName("boxes")
        .setCost(Money.newBuilder().setAmount(new BigDecimal("45.50")).setCurrency("USD").build())
        .build();
  }

  static void delivered(String referralId) {
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_DELIVERED,
        referralId,
        ReferralDelivered.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(Instant.now().minus(2, ChronoUnit.HOURS))
            .setReferralId(referralId)
            .setProviderId(PANTRY)
            .setProviderReference("Task/9")
            .setAttempts(1)
            .build());
  }

  static void reminded(String referralId) {
    Instant due = Instant.now().minus(1, ChronoUnit.HOURS);
    ExchangeInfrastructure.publish(
        Topics.REFERRAL_OVERDUE,
        referralId,
        ReferralOverdue.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(Instant.now())
            .setReferralId(referralId)
            .setProviderId(PANTRY)
            .setRespondBy(due)
            .setOverdueByMillis(Duration.ofHours(1).toMillis())
            .setStage(OverdueStage.REMINDER)
            .build());
  }

  /** Waits until the API shows the referral in {@code status} (the view has read the change). */
  static void awaitStatus(GatewayClient api, String referralId, String status) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> api.get("county-hhs", "/api/v1/referrals/" + referralId),
            r -> r.status() == 200 && status.equals(r.json().path("status").asString()));
  }
}
