package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 13: a revocation takes effect even when the gateway dies right after publishing it. The
 * gateway runs as a child JVM with {@code gateway.testing.hang-after-consent-ended=true}, so the
 * revocation request stops right after {@code ConsentRevoked} was acknowledged; the test then kills
 * it with SIGKILL. Both open referrals under the consent, one delivered to the FHIR provider and
 * one to the webhook provider, are still cancelled and withdrawn with reason {@code
 * consent-revoked}: the agency adapter acts on the event, not on the request.
 */
class RevocationCrashTests extends FaultSuite {

  private static final Path LOGS = Path.of("target", "revocation-crash");
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @TempDir static Path dir;

  private GatewayComponent gateway;
  private Path gatewayLog;

  @BeforeAll
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void startTheExchangeWithTheGatewayAsAChildProcess() throws Exception {
    Files.createDirectories(LOGS);
    gatewayLog = LOGS.resolve("referral-gateway.log");
    Files.deleteIfExists(gatewayLog);
    bench =
        new FaultBench(
            dir,
            RevocationCrashTests.class,
            parts -> {
              gateway = LoopDriver.only(parts, GatewayComponent.class);
              gateway.runInChildProcess(
                  gatewayLog, List.of("--gateway.testing.hang-after-consent-ended=true"));
            });
  }

  @Test
  @Order(1)
  void gatewayKilledRightAfterPublishingTheRevocationStillWithdrawsEveryOpenReferral()
      throws Exception {
    String client = "client-" + UUID.randomUUID();
    String consent = bench.driver.recordConsent(client);
    String atFood = submit("northside-food-bank", "emergency-groceries", client, consent);
    String atHousing = submit("riverside-housing", "shelter-bed", client, consent);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                bench.providers.webhook().receivedReferralIds().contains(atFood)
                    && taskFor(atHousing) != null);

    CompletableFuture<HttpResponse<String>> revocation =
        bench.driver.postAsync(
            "/api/v1/consents/" + consent + "/revocation", "{}", null, Duration.ofMinutes(3));
    await()
        .atMost(TIMEOUT)
        .until(() -> Files.readString(gatewayLog).contains("ConsentRevoked published; hanging"));
    ProcessHandle process = gateway.process().orElseThrow();
    process.destroyForcibly(); // SIGKILL
    process.onExit().get(30, TimeUnit.SECONDS);
    gateway.stop(); // forgets the dead process so start() may run again

    await().atMost(Duration.ofSeconds(30)).until(revocation::isDone);
    assertThat(revocation).as("the gateway died before answering").isCompletedExceptionally();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              assertThat(bench.providers.webhook().withdrawnReferralIds()).contains(atFood);
              Task task = taskFor(atHousing);
              assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
              assertThat(task.getStatusReason().getCoding())
                  .anySatisfy(c -> assertThat(c.getCode()).isEqualTo("consent-revoked"));
            });

    // Restarted as a supervisor would: what it reads back from the log agrees.
    gateway.start();
    for (String referralId : List.of(atFood, atHousing)) {
      JsonNode referral = json(bench.driver.get("/api/v1/referrals/" + referralId));
      assertThat(referral.path("status").asString()).isEqualTo("CANCELLED");
      JsonNode last = referral.path("timeline").get(referral.path("timeline").size() - 1);
      assertThat(last.path("reasonCode").asString()).isEqualTo("consent-revoked");
    }
    assertThat(json(bench.driver.get("/api/v1/consents/" + consent)).path("status").asString())
        .isEqualTo("REVOKED");
  }

  /** A referral the demo provider keeps unanswered ("silent"), so it is open at the revocation. */
  private String submit(String provider, String service, String client, String consent)
      throws Exception {
    HttpResponse<String> response =
        bench.driver.post(
            "/api/v1/referrals",
            LoopDriver.referralBody(provider, service, "Stay silent please", null, client, consent),
            "key-" + UUID.randomUUID());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return LoopDriver.JSON.readTree(response.body()).path("referralId").asString();
  }

  private Task taskFor(String referralId) {
    return bench.providers.fhir().server().all(Task.class).stream()
        .filter(t -> t.getIdentifier().stream().anyMatch(id -> referralId.equals(id.getValue())))
        .findFirst()
        .orElse(null);
  }

  private static JsonNode json(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return LoopDriver.JSON.readTree(response.body());
  }
}
