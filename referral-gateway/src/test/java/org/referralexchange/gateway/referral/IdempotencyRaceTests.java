package org.referralexchange.gateway.referral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.it.GatewayClient;
import org.referralexchange.gateway.it.Requests;
import org.referralexchange.gateway.it.TestInfrastructure;
import org.referralexchange.schemas.Topics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

/**
 * The idempotency race made to happen, not hoped for: a request read the view before another with
 * the same key was applied, and claims the key only after that one released it. It must answer a
 * replay and publish nothing. The view is the real one, spied on only to give that one read its
 * earlier answer; the broker and registry are real.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IdempotencyRaceTests {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
  }

  @MockitoSpyBean ReferralView view;

  @LocalServerPort int port;

  @Test
  void aRequestThatReadBeforeAnotherWasAppliedAndClaimsAfterItReplaysAndPublishesNothing() {

    GatewayClient client = new GatewayClient(port);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> client.get(null, "/actuator/health/readiness").status() == 200);
    String clientId = "client-" + UUID.randomUUID();
    GatewayClient.Response consent =
        client.post("county-hhs", "/api/v1/consents", Requests.consent(clientId));
    assertThat(consent.status()).as(consent.body()).isEqualTo(201);
    String body = Requests.referral(consent.json().path("consentId").asString(), clientId);
    String key = "race-" + UUID.randomUUID();

    GatewayClient.Response first =
        client.post("county-hhs", "/api/v1/referrals", body, "Idempotency-Key", key);
    String referralId = first.json().path("referralId").asString();
    // Stub only once the event log has applied the first record: Mockito does not support stubbing
    // a spy while another thread (the event log's) calls it, and the stale read below stands for
    // exactly that moment anyway.
    await().atMost(Duration.ofSeconds(60)).until(() -> view.get(referralId).isPresent());
    // The late request's first read of the view is the one it made before that record was applied
    // (what it would have seen had it read a moment earlier); its claim comes after the other
    // released. Every later read is the real view's.
    AtomicBoolean stale = new AtomicBoolean(true);
    doAnswer(read -> stale.compareAndSet(true, false) ? Optional.empty() : read.callRealMethod())
        .when(view)
        .get(anyString());
    GatewayClient.Response late =
        client.post("county-hhs", "/api/v1/referrals", body, "Idempotency-Key", key);

    assertThat(stale).as("the late request read the view").isFalse();
    assertThat(first.status()).as(first.body()).isEqualTo(202);
    assertThat(first.header("Idempotent-Replayed")).isEqualTo("false");
    assertThat(late.status()).as(late.body()).isEqualTo(202);
    assertThat(late.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(late.json().path("referralId").asString()).isEqualTo(referralId);
    assertThat(
            TestInfrastructure.readAll(Topics.REFERRAL_SUBMITTED.name()).stream()
                .filter(record -> record.key().equals(referralId)))
        .as("records on %s for key %s", Topics.REFERRAL_SUBMITTED.name(), key)
        .hasSize(1);
  }
}
