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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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
 *
 * <p>Only the parts the scenario goes through run: the launcher's broker (a child JVM), registry,
 * demo providers, gateway and agency adapter, as {@link LocalExchange#components} makes them. The
 * notifier, the mail and SMS catchers and the demo seed would each cost a start and prove nothing
 * here. The gateway started again after the kill runs in this JVM: what it reads back from the log
 * is the point, and a second child JVM would only add its cold start.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RevocationCrashTests {

  private static final Path LOGS = Path.of("target", "revocation-crash");
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @TempDir static Path dir;

  private LocalSettings settings;
  private KafkaBrokerComponent kafka;
  private SchemaRegistryComponent registry;
  private DemoProvidersComponent providers;
  private GatewayComponent gateway;
  private LocalExchange exchange;
  private LoopDriver driver;
  private Path gatewayLog;

  @BeforeAll
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void startTheExchangeWithTheGatewayAsAChildProcess() throws Exception {
    Files.createDirectories(LOGS);
    gatewayLog = LOGS.resolve("referral-gateway.log");
    Files.deleteIfExists(gatewayLog);
    settings = LoopDriver.settings(dir);
    // The fault suites' clocks: the two referrals stay unanswered on purpose, and with the test
    // clocks' 30 s window a slow kill and restart could return them before the revocation withdraws
    // them, which is not what this test is about.
    List<LocalComponent> parts =
        LoopDriver.parts(LocalExchange.components(settings, FaultBench.CLOCKS));
    kafka = LoopDriver.only(parts, KafkaBrokerComponent.class);
    registry = LoopDriver.only(parts, SchemaRegistryComponent.class);
    providers = LoopDriver.only(parts, DemoProvidersComponent.class);
    gateway = LoopDriver.only(parts, GatewayComponent.class);
    AdapterComponent adapter = LoopDriver.only(parts, AdapterComponent.class);
    // The adapter's demo email-intake provider sends through it: the adapter's configuration
    // needs it running, though this scenario reads no mail.
    MailCatcherComponent mail = LoopDriver.only(parts, MailCatcherComponent.class);
    gateway.runInChildProcess(
        gatewayLog, List.of("--gateway.testing.hang-after-consent-ended=true"));
    // The launcher's order and grouping, without the parts this scenario does not go through.
    exchange =
        new LocalExchange(
            List.of(
                new TogetherComponent(
                    "kafka, mail catcher and the demo providers", List.of(kafka, mail, providers)),
                registry,
                new TogetherComponent("gateway and adapter", List.of(gateway, adapter))));
    exchange.start();
    driver = new LoopDriver(gateway, null, null); // its API only: no mail or SMS is looked at
  }

  @AfterAll
  void stopTheExchange() {
    if (exchange != null) {
      exchange.stop();
    }
  }

  @Test
  void gatewayKilledRightAfterPublishingTheRevocationStillWithdrawsEveryOpenReferral()
      throws Exception {
    String client = "client-" + UUID.randomUUID();
    String consent = driver.recordConsent(client);
    String atFood = submit("northside-food-bank", "emergency-groceries", client, consent);
    String atHousing = submit("riverside-housing", "shelter-bed", client, consent);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                providers.webhook().receivedReferralIds().contains(atFood)
                    && taskFor(atHousing) != null);

    CompletableFuture<HttpResponse<String>> revocation =
        driver.postAsync(
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
              assertThat(providers.webhook().withdrawnReferralIds()).contains(atFood);
              Task task = taskFor(atHousing);
              assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
              assertThat(task.getStatusReason().getCoding())
                  .anySatisfy(c -> assertThat(c.getCode()).isEqualTo("consent-revoked"));
            });

    // Started again, knowing nothing but the log: what it reads back agrees.
    GatewayComponent restarted =
        new GatewayComponent(
            kafka::bootstrapServers,
            registry::url,
            new GatewayComponent.Settings(
                0, settings.keysetFile(), settings.serviceStartupTimeout()));
    restarted.start();
    try {
      LoopDriver again = new LoopDriver(restarted, null, null);
      for (String referralId : List.of(atFood, atHousing)) {
        JsonNode referral = json(again.get("/api/v1/referrals/" + referralId));
        assertThat(referral.path("status").asString()).isEqualTo("CANCELLED");
        JsonNode last = referral.path("timeline").get(referral.path("timeline").size() - 1);
        assertThat(last.path("reasonCode").asString()).isEqualTo("consent-revoked");
      }
      assertThat(json(again.get("/api/v1/consents/" + consent)).path("status").asString())
          .isEqualTo("REVOKED");
    } finally {
      restarted.stop();
    }
  }

  /** A referral the demo provider keeps unanswered ("silent"), so it is open at the revocation. */
  private String submit(String provider, String service, String client, String consent)
      throws Exception {
    HttpResponse<String> response =
        driver.post(
            "/api/v1/referrals",
            LoopDriver.referralBody(provider, service, "Stay silent please", null, client, consent),
            "key-" + UUID.randomUUID());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return LoopDriver.JSON.readTree(response.body()).path("referralId").asString();
  }

  private Task taskFor(String referralId) {
    return providers.fhir().server().all(Task.class).stream()
        .filter(t -> t.getIdentifier().stream().anyMatch(id -> referralId.equals(id.getValue())))
        .findFirst()
        .orElse(null);
  }

  private static JsonNode json(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return LoopDriver.JSON.readTree(response.body());
  }
}
