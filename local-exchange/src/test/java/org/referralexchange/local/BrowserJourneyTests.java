package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.browser.Browser;
import org.referralexchange.testing.browser.RealBrowser;
import tools.jackson.databind.JsonNode;

/**
 * Issue 14's journeys in a real headless Chromium, against the local exchange as the launcher
 * starts it (one exchange and one browser for the class, as it is the build's slowest start).
 *
 * <p>The provider's: the demo email-intake provider {@code community-pantry} gets its email in the
 * mail catcher, opens the link in it, and answers from the page; links expired, reused, forged or
 * meant for something else are refused with a clear page and change nothing on Kafka; a referral
 * whose consent was revoked shows "withdrawn" only.
 *
 * <p>The case manager's: the link from a caught email opens the referral's page after the demo
 * sign-in; the page shows the timeline with the provider's reason, its contact, the response clock,
 * a completion's outcome and cost; a declined referral is sent again to another provider (once,
 * however often the form is sent); a referral is cancelled with a reason; another agency sees the
 * not-found page; a revoked consent hides the client's details.
 *
 * <p>axe-core checks every page visited for serious and critical WCAG 2.1 AA violations.
 */
@RealBrowser
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BrowserJourneyTests {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String PANTRY = "community-pantry";
  private static final String PANTRY_NAME = "Community Pantry";
  private static final String PANTRY_INBOX = "intake@community-pantry.example";
  private static final String SERVICE = "food-pantry";
  private static final String NORTHSIDE = "northside-food-bank";
  private static final String NORTHSIDE_NAME = "Northside Food Bank";
  private static final String NORTHSIDE_SERVICE = "emergency-groceries";

  /** The client data every referral carries (LoopDriver.referralBody); the pantry may see these. */
  private static final List<String> ALLOWED = List.of("Quixote-Canary", "Sancho-Canary");

  /** ...and not these: outside its allowed fields (given and family name, phone). */
  private static final List<String> NOT_ALLOWED =
      List.of(
          "1961-07-04",
          "77 Canary Lane",
          "MRN-CANARY-1",
          "quixote.canary@example.org",
          "Canary-narrative-7731");

  @TempDir static Path localDir;

  private LocalExchange exchange;
  private KafkaBrokerComponent kafka;
  private CaughtMail mailbox;
  private AdapterComponent adapter;
  private GatewayComponent gateway;
  private LoopDriver driver;
  private TopicMarks topics;
  private Browser browser;
  private String clientId;
  private String consentId;

  /** A referral waiting for the pantry's answer, shared by the refusal tests; see waiting(). */
  private String waiting;

  @BeforeAll
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void startTheExchangeAndTheBrowser(Browser browser) throws Exception {
    this.browser = browser;
    List<LocalComponent> components =
        LocalExchange.components(LoopDriver.settings(localDir), LoopDriver.testClocks());
    List<LocalComponent> parts = LoopDriver.parts(components);
    kafka = LoopDriver.only(parts, KafkaBrokerComponent.class);
    MailCatcherComponent mail = LoopDriver.only(parts, MailCatcherComponent.class);
    adapter = LoopDriver.only(parts, AdapterComponent.class);
    gateway = LoopDriver.only(parts, GatewayComponent.class);
    SmsCatcherComponent sms = LoopDriver.only(parts, SmsCatcherComponent.class);
    // The launcher's parts but its demo consent: these referrals have consents of their own.
    exchange =
        new LocalExchange(
            components.stream().filter(c -> !(c instanceof DemoSeedComponent)).toList());
    exchange.start();
    driver = new LoopDriver(gateway, mail, sms);
    mailbox = new CaughtMail(mail);
    topics = new TopicMarks(kafka.bootstrapServers());
    clientId = "client-" + UUID.randomUUID();
    consentId = recordPantryConsent(clientId);
  }

  @AfterAll
  void stopTheExchange() {
    if (topics != null) {
      topics.close();
    }
    if (exchange != null) {
      exchange.stop();
    }
  }

  @Test
  @Order(0)
  void axeCoreRunsInTheBrowser() {
    Assumptions.assumeTrue(
        browser.axeUnavailable().isEmpty(),
        () -> "accessibility checks skipped: " + browser.axeUnavailable().orElseThrow());
  }

  @Test
  @Order(1)
  void providerOpensItsEmailedLinkAcceptsByKeyboardStartsAndCompletesWithACost() throws Exception {
    String referralId = submit(null);
    MimeMessage email = awaitIntakeEmail(referralId);
    String body = CaughtMail.text(email);
    assertThat(body).doesNotContain(ALLOWED).doesNotContain(NOT_ALLOWED);

    Map<TopicPartition, Long> beforeOpening = topics.mark();
    open(link(email), "the referral page");
    assertThat(browser.title()).isEqualTo("Referral " + referralId + " · Referral exchange");
    String page = browser.text();
    assertThat(page).contains(PANTRY_NAME, "Waiting for your answer", "Food pantry");
    assertThat(page).contains(ALLOWED).contains("+15555550199");
    assertThat(page).doesNotContain(NOT_ALLOWED);

    // Readable on a phone: nothing wider than a 390 px screen.
    assertThat(browser.overflowAt(390)).as("px beyond a phone's width").isZero();

    // A keyboard user: the first Tab shows the skip link; more Tabs reach Accept; Enter answers.
    browser.press(Keys.TAB);
    assertThat(browser.focused().getText())
        .as("the first Tab stop, shown")
        .isEqualTo("Skip to the referral");
    browser.tabTo(button("accept"), 20);
    browser.press(Keys.ENTER);
    awaitDone("accept", "the referral page after accepting");
    assertThat(browser.text()).contains("Recorded: Accept", "Accepted");
    awaitStatus(referralId, "ACCEPTED");
    // What the refusals below must not leave: each view audited, the answer recorded.
    assertThat(topics.aboutSince(referralId, beforeOpening))
        .anyMatch(record -> record.startsWith(Topics.INTAKE_PAGE_VIEWED.name() + "-"))
        .anyMatch(record -> record.startsWith(Topics.REFERRAL_STATUS_CHANGED.name() + "-"));

    button("start").click();
    awaitDone("start", "the referral page after starting");
    assertThat(browser.text()).contains("In progress");
    awaitStatus(referralId, "IN_PROGRESS");

    browser.driver().findElement(By.id("complete-delivered")).sendKeys("Two weeks of groceries");
    browser.driver().findElement(By.id("complete-units")).sendKeys("2");
    browser.driver().findElement(By.id("complete-unit-name")).sendKeys("boxes");
    browser.driver().findElement(By.id("complete-cost")).sendKeys("45.50");
    button("complete").click();
    awaitDone("complete", "the referral page after completing");
    assertThat(browser.text())
        .contains("Completed", "There is nothing more to answer through this link.");

    JsonNode referral = awaitStatus(referralId, "COMPLETED");
    JsonNode outcome = LoopDriver.step(referral, "COMPLETED").path("outcome");
    assertThat(outcome.path("costAmount").decimalValue()).isEqualByComparingTo("45.50");
    assertThat(outcome.path("costCurrency").asString()).isEqualTo("USD");
    assertThat(LoopDriver.statuses(referral))
        .containsSubsequence("ACCEPTED", "IN_PROGRESS", "COMPLETED");

    // The case manager hears of it by email, with the cost.
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(driver.subjects(referralId))
                    .contains("Referral " + referralId + ": service completed by " + PANTRY_NAME));
    MimeMessage completed =
        driver.emails(referralId).stream()
            .filter(m -> LoopDriver.subject(m).contains("completed"))
            .findFirst()
            .orElseThrow();
    assertThat(CaughtMail.text(completed)).contains("Cost: 45.50 USD");

    // ... and on the referral's page, opened from that email.
    signInAndOpen(caseManagerLink(completed, referralId), "cm-7", "a completed referral's page");
    assertThat(text("status")).isEqualTo("Completed");
    assertThat(text("outcome-delivered")).isEqualTo("Two weeks of groceries");
    assertThat(text("outcome-units")).isEqualTo("2 boxes");
    assertThat(text("outcome-cost")).isEqualTo("45.50 USD");
    assertThat(timelineStatuses()).containsSubsequence("Accepted", "In progress", "Completed");
    assertThat(browser.driver().findElements(By.id("cancel-form"))).isEmpty();
    assertThat(browser.overflowAt(390)).as("px beyond a phone's width").isZero();
  }

  @Test
  @Order(1)
  void providerDeclinesWithAReasonChosenFromTheListAndTheCaseManagerGetsItsCode() throws Exception {
    String referralId = submit(null);
    open(link(awaitIntakeEmail(referralId)), "the referral page");

    // The reason is required: the browser holds the form back until one is chosen.
    WebElement reason = browser.driver().findElement(By.id("decline-reason"));
    assertThat(reason.getDomProperty("validationMessage")).isNotBlank();
    reason.findElement(By.cssSelector("option[value='no-capacity']")).click();
    assertThat(reason.getDomProperty("validationMessage")).isEmpty();
    button("decline").click();
    awaitDone("decline", "the referral page after declining");
    assertThat(browser.text()).contains("Recorded: Decline", "Declined");

    JsonNode referral = awaitStatus(referralId, "REJECTED");
    assertThat(LoopDriver.step(referral, "REJECTED").path("reasonCode").asString())
        .isEqualTo("no-capacity");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(driver.subjects(referralId))
                    .contains("Referral " + referralId + ": declined by " + PANTRY_NAME));
    assertThat(CaughtMail.text(driver.emails(referralId).get(0))).contains("Reason: no-capacity");
  }

  @Test
  @Order(2)
  void linkUsedTwiceForTheSameAnswerShowsTheUsedPageAndChangesNothing() throws Exception {
    String referralId = submit(Instant.now().plus(1, ChronoUnit.HOURS));
    String link = link(awaitIntakeEmail(referralId));
    awaitDelivered(referralId);
    // The same link open in two tabs; the provider accepts in the first.
    String first = browser.driver().getWindowHandle();
    open(link, "the referral page");
    browser.driver().switchTo().newWindow(WindowType.TAB);
    String second = browser.driver().getWindowHandle();
    open(link, "the referral page, in a second tab");
    browser.driver().switchTo().window(first);
    button("accept").click();
    awaitDone("accept", "the referral page after accepting");
    awaitStatus(referralId, "ACCEPTED");
    // The adapter knows the link's use once its page shows the answer.
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(browser.open(link).text()).contains("Status\nAccepted"));

    Map<TopicPartition, Long> mark = topics.mark();
    browser.driver().switchTo().window(second);
    button("accept").click();

    assertRefusal("This answer was already given", "the used-link page");
    assertThat(topics.aboutSince(referralId, mark)).as("records about the referral").isEmpty();
    assertThat(driver.get("/api/v1/referrals/" + referralId).body()).contains("\"ACCEPTED\"");
    browser.driver().close();
    browser.driver().switchTo().window(first);
  }

  @Test
  @Order(3)
  void expiredLinkShowsTheExpiredPageAndChangesNothing() throws Exception {
    String referralId = waiting();
    String expired = signed(PANTRY, referralId, Instant.now().minus(1, ChronoUnit.HOURS));

    assertRefusedAndNothingChanges(
        referralId, pageUrl(referralId, expired), "This link has expired", "the expired-link page");
  }

  @Test
  @Order(4)
  void linkWithATamperedSignatureShowsTheInvalidPageAndChangesNothing() throws Exception {
    String referralId = waiting();
    String token = token(waitingLink);
    // The MAC's first character: all six of its bits count (the last one's lowest two do not).
    int mac = token.indexOf('.') + 1;
    String forged =
        token.substring(0, mac) + (token.charAt(mac) == 'A' ? 'B' : 'A') + token.substring(mac + 1);

    assertRefusedAndNothingChanges(
        referralId, pageUrl(referralId, forged), "This link is not valid", "the forged-link page");
  }

  @Test
  @Order(5)
  void linkForAnotherReferralOrAnotherProviderIsRefusedAndChangesNothing() throws Exception {
    String referralId = waiting();
    String otherReferral = submit(Instant.now().plus(1, ChronoUnit.HOURS));
    awaitIntakeEmail(otherReferral);
    awaitDelivered(otherReferral);

    // The waiting referral's own link, opened at the other referral's address.
    assertRefusedAndNothingChanges(
        otherReferral,
        pageUrl(otherReferral, token(waitingLink)),
        "This link does not open this referral",
        "the foreign-link page");
    // A link signed by the exchange for this referral, but for another provider (a webhook one).
    assertRefusedAndNothingChanges(
        referralId,
        pageUrl(
            referralId, signed("northside-food-bank", referralId, Instant.now().plusSeconds(600))),
        "This link does not open this referral",
        "the other provider's link page");
  }

  @Test
  @Order(6)
  void referralWhoseConsentWasRevokedShowsWithdrawnAndNothingElse() throws Exception {
    String client = "client-" + UUID.randomUUID();
    String consent = recordPantryConsent(client);
    String referralId = submit(Instant.now().plus(1, ChronoUnit.HOURS), client, consent);
    String link = link(awaitIntakeEmail(referralId));
    awaitDelivered(referralId);

    HttpResponse<String> revoked =
        driver.post(
            "/api/v1/consents/" + consent + "/revocation",
            "{\"reasonCode\": \"client-request\"}",
            null);
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
    awaitStatus(referralId, "CANCELLED");

    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(browser.open(link).title()).startsWith("Withdrawn"));
    browser.assertAccessible("the withdrawn page");
    assertThat(browser.text())
        .isEqualTo("Withdrawn\nThis referral was withdrawn. There is nothing to do for it.");
    assertThat(browser.driver().findElements(By.tagName("form"))).isEmpty();
    assertThat(browser.driver().getPageSource())
        .doesNotContain(ALLOWED)
        .doesNotContain(NOT_ALLOWED);

    // The case manager's page: the referral and its timeline, the client's details no more.
    signInAndOpen(
        referralPage(referralId), "cm-7", "the page of a referral whose consent was revoked");
    assertThat(text("status")).isEqualTo("Cancelled");
    assertThat(text("client-data-withdrawn")).contains("revoked");
    assertThat(browser.driver().findElements(By.id("client-data"))).isEmpty();
    assertThat(browser.driver().getPageSource())
        .doesNotContain(ALLOWED)
        .doesNotContain(NOT_ALLOWED);
  }

  // --- the case manager's journeys ---

  /** Declined by the webhook demo provider; the case manager's journeys below send it again. */
  private String declined;

  private String declinedClient;

  @Test
  @Order(7)
  void caseManagerOpensTheEmailedLinkSignsInByKeyboardAndReadsTheTimelineWithTheReason()
      throws Exception {
    declinedClient = "client-" + UUID.randomUUID();
    String consent = driver.recordConsent(declinedClient); // every demo provider
    String referralId =
        driver.submit(
            NORTHSIDE, NORTHSIDE_SERVICE, "Please decline this one", null, declinedClient, consent);
    JsonNode referral = awaitStatus(referralId, "REJECTED");
    String reasonText = LoopDriver.step(referral, "REJECTED").path("reasonText").asString();
    MimeMessage email =
        mailbox.awaitMessage(
            LoopDriver.CASE_MANAGER_EMAIL, referralId, caseManagerLink(referralId), TIMEOUT);
    String link = CaughtMail.link(email, caseManagerLink(referralId));
    declined = referralId;

    // A browser that never signed in: the link asks for the sign-in first.
    freshSession(link);
    browser.open(link);
    await().atMost(TIMEOUT).until(() -> browser.url().contains("/sign-in"));
    assertThat(browser.title()).isEqualTo("Sign in · Referral exchange");
    browser.assertAccessible("the sign-in page");
    browser.press(Keys.TAB);
    assertThat(browser.focused().getText()).isEqualTo("Skip to content");
    browser.tabTo(id("demo-cm-7"), 20);
    browser.press(Keys.ENTER);

    // ... and then opens the referral the email was about.
    await().atMost(TIMEOUT).until(() -> browser.url().startsWith(link));
    browser.assertAccessible("a declined referral's page");
    assertThat(browser.title()).isEqualTo("Referral " + referralId + " · Referral exchange");
    assertThat(text("referral-id")).isEqualTo(referralId);
    assertThat(text("signed-in-as")).isEqualTo("Casey Manager");
    assertThat(text("status")).isEqualTo("Declined");
    assertThat(timelineStatuses()).containsExactly("Waiting for the provider", "Declined");
    assertThat(text("timeline")).contains("“" + reasonText + "”", "(no-capacity)");
    assertThat(text("provider-name")).isEqualTo(NORTHSIDE_NAME);
    assertThat(text("provider-phone")).isEqualTo("+1 555 0100");
    assertThat(text("provider-email")).isEqualTo("referrals@northside-food-bank.example");
    assertThat(text("delivered-at")).isNotEqualTo("Not yet confirmed");
    assertThat(text("due-by")).isNotBlank();
    assertThat(text("returned-at")).isEqualTo("No");
    assertThat(text("client-name")).isEqualTo("Quixote-Canary Sancho-Canary");
    assertThat(browser.driver().findElements(By.id("send-again-link"))).hasSize(1);
    assertThat(browser.driver().findElements(By.id("cancel-form"))).isEmpty();
    assertThat(browser.overflowAt(390)).as("px beyond a phone's width").isZero();

    // The list: the agency's referrals, then only the declined ones the case manager made.
    id("back-to-list").click();
    await().atMost(TIMEOUT).until(() -> browser.url().endsWith("/referrals"));
    browser.assertAccessible("the list of referrals");
    assertThat(browser.driver().findElements(By.id("row-" + referralId))).hasSize(1);
    assertThat(browser.overflowAt(390)).as("px beyond a phone's width").isZero();
    choose("status", "REJECTED");
    choose("scope", "mine");
    id("filter-button").click();
    await().atMost(TIMEOUT).until(() -> browser.url().contains("status=REJECTED"));
    browser.assertAccessible("the filtered list of referrals");
    assertThat(browser.driver().findElements(By.id("row-" + referralId))).hasSize(1);
    assertThat(
            browser.driver().findElements(By.cssSelector("#referrals tbody .status")).stream()
                .map(WebElement::getText))
        .isNotEmpty()
        .allMatch("Declined"::equals);
    assertThat(browser.overflowAt(390)).as("px beyond a phone's width").isZero();
  }

  @Test
  @Order(8)
  void declinedReferralIsSentAgainToAnotherProviderOnceHoweverOftenTheFormIsSent()
      throws Exception {
    Assumptions.assumeTrue(declined != null, "needs the declined referral of the test before");
    signInAndOpen(referralPage(declined), "cm-7", "a declined referral's page");
    id("send-again-link").click();
    await().atMost(TIMEOUT).until(() -> browser.url().endsWith("/send-again"));
    browser.assertAccessible("the send-again form");
    assertThat(browser.overflowAt(390)).as("px beyond a phone's width").isZero();
    // Prefilled from the declined referral; the provider that declined is not offered.
    assertThat(browser.text()).contains(NORTHSIDE_NAME, "Quixote-Canary Sancho-Canary");
    assertThat(id("priority").getDomProperty("value")).isEqualTo("ROUTINE");
    assertThat(
            id("target").findElements(By.tagName("option")).stream()
                .map(o -> o.getDomProperty("value"))
                .toList())
        .contains(PANTRY + "|" + SERVICE)
        .noneMatch(value -> value.startsWith(NORTHSIDE + "|"));

    Map<TopicPartition, Long> mark = topics.mark();
    sendAgainTo(PANTRY + "|" + SERVICE);
    await().atMost(TIMEOUT).until(() -> browser.url().endsWith("?done=sent"));
    String resent = referralIdInUrl();
    assertThat(resent).isNotEqualTo(declined);
    browser.assertAccessible("the new referral's page");
    assertThat(text("done")).contains("Sent.");
    assertThat(text("provider-name")).isEqualTo(PANTRY_NAME);
    assertThat(text("client-name")).isEqualTo("Quixote-Canary Sancho-Canary");
    assertThat(text("client-narrative")).contains("Please decline this one");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(() -> assertThat(submittedSince(resent, mark)).hasSize(1));

    // Back to the form and sent again: the same referral, not another one.
    browser.driver().navigate().back();
    await().atMost(TIMEOUT).until(() -> browser.url().endsWith("/send-again"));
    sendAgainTo(PANTRY + "|" + SERVICE);
    await().atMost(TIMEOUT).until(() -> browser.url().contains("?done="));
    assertThat(browser.url()).endsWith("/referrals/" + resent + "?done=already-sent");
    browser.assertAccessible("the new referral's page, sent twice");
    assertThat(text("done")).contains("already sent");
    assertThat(submittedSince(resent, mark)).hasSize(1);
    // The new referral reaches the pantry with the old one's content.
    MimeMessage intake = awaitIntakeEmail(resent);
    assertThat(CaughtMail.text(intake)).doesNotContain(ALLOWED);
  }

  @Test
  @Order(9)
  void caseManagerCancelsByKeyboardWithAReasonAndTheStatusTopicHasOneCancellation()
      throws Exception {
    String referralId = submit(Instant.now().plus(1, ChronoUnit.HOURS));
    awaitDelivered(referralId);
    signInAndOpen(referralPage(referralId), "cm-7", "an open referral's page");
    assertThat(text("status")).isEqualTo("Waiting for the provider");
    assertThat(browser.driver().findElements(By.id("send-again-link"))).isEmpty();
    assertThat(browser.overflowAt(390)).as("px beyond a phone's width").isZero();

    Map<TopicPartition, Long> mark = topics.mark();
    browser.tabTo(id("reasonCode"), 60);
    browser.focused().sendKeys("Sent twice"); // a select's type-ahead
    assertThat(id("reasonCode").getDomProperty("value")).isEqualTo("duplicate");
    browser.press(Keys.TAB);
    assertThat(browser.focused()).isEqualTo(id("reasonText"));
    browser.focused().sendKeys("Sent by mistake");
    browser.tabTo(id("cancel-button"), 5);
    browser.press(Keys.ENTER);
    await().atMost(TIMEOUT).until(() -> browser.url().endsWith("?done=cancelled"));
    browser.assertAccessible("a cancelled referral's page");
    assertThat(text("status")).isEqualTo("Cancelled");
    assertThat(text("done")).contains("The referral is cancelled.");
    assertThat(text("timeline")).contains("“Sent by mistake”", "(duplicate)");
    assertThat(browser.driver().findElements(By.id("cancel-form"))).isEmpty();

    JsonNode referral = awaitStatus(referralId, "CANCELLED");
    assertThat(LoopDriver.statuses(referral)).containsOnlyOnce("CANCELLED");
    assertThat(topics.aboutSince(referralId, mark))
        .filteredOn(record -> record.startsWith(Topics.REFERRAL_STATUS_CHANGED.name() + "-"))
        .hasSize(1);
  }

  @Test
  @Order(10)
  void anotherAgencysCaseManagerSeesTheNotFoundPageAndNoClientData() throws Exception {
    Assumptions.assumeTrue(declined != null, "needs the declined referral of the test before");
    signInAndOpen(gateway.url() + "/referrals", "cm-7", "the list of referrals");
    id("sign-out").findElement(By.tagName("button")).click();
    await().atMost(TIMEOUT).until(() -> browser.url().contains("signed-out"));
    browser.assertAccessible("the signed-out page");
    assertThat(text("signed-out")).isEqualTo("You are signed out.");

    browser.open(referralPage(declined));
    await().atMost(TIMEOUT).until(() -> browser.url().contains("/sign-in"));
    id("demo-cm-harbor-1").click();
    await()
        .atMost(TIMEOUT)
        .until(() -> browser.driver().findElements(By.id("message-title")).size() == 1);
    browser.assertAccessible("the not-found page");
    assertThat(text("message-title")).isEqualTo("Referral not found");
    assertThat(browser.driver().getPageSource())
        .doesNotContain(ALLOWED)
        .doesNotContain(NOT_ALLOWED)
        .doesNotContain(NORTHSIDE_NAME, "Please decline");
    browser.open(gateway.url() + "/referrals");
    assertThat(text("signed-in-as")).isEqualTo("Harper Jones");
    assertThat(browser.driver().findElements(By.id("row-" + declined))).isEmpty();
  }

  // --- the refusals ---

  private void assertRefusedAndNothingChanges(
      String referralId, String url, String heading, String page) throws Exception {
    Map<TopicPartition, Long> mark = topics.mark();
    browser.open(url);
    assertRefusal(heading, page);
    assertThat(topics.aboutSince(referralId, mark)).as("records about " + referralId).isEmpty();
    JsonNode referral =
        LoopDriver.JSON.readTree(driver.get("/api/v1/referrals/" + referralId).body());
    assertThat(referral.path("status").asString()).isEqualTo("REQUESTED");
  }

  /** The refusal page: its heading, a sentence of advice, nothing of the referral, accessible. */
  private void assertRefusal(String heading, String page) {
    // After a click the page may still be loading: its heading tells when it is there.
    await()
        .atMost(TIMEOUT)
        .ignoreExceptions()
        .until(() -> browser.driver().findElement(By.tagName("h1")).getText().equals(heading));
    assertThat(browser.title()).isEqualTo(heading + " · Referral exchange");
    assertThat(browser.text())
        .doesNotContain(ALLOWED)
        .doesNotContain("Exception", "Whitelabel", "Apache Tomcat");
    assertThat(browser.driver().findElements(By.tagName("form"))).isEmpty();
    browser.assertAccessible(page);
  }

  private String waitingLink;

  /** The shared waiting referral: submitted on first use, its email caught, its link opened. */
  private String waiting() throws Exception {
    if (waiting == null) {
      String referralId = submit(Instant.now().plus(1, ChronoUnit.HOURS));
      waitingLink = link(awaitIntakeEmail(referralId));
      awaitDelivered(referralId);
      waiting = referralId;
    }
    return waiting;
  }

  // --- the browser ---

  private void open(String url, String page) {
    browser.open(url);
    browser.assertAccessible(page);
  }

  /** The submit button of the page's form for {@code action}. */
  private WebElement button(String action) {
    return browser
        .driver()
        .findElement(By.cssSelector("form[action$='/" + action + "'] button[type=submit]"));
  }

  /** After an answer: the page again, saying it was recorded (post/redirect/get). */
  private void awaitDone(String action, String page) {
    await().atMost(TIMEOUT).until(() -> browser.url().endsWith("?done=" + action));
    browser.assertAccessible(page);
  }

  private WebElement id(String id) {
    return browser.driver().findElement(By.id(id));
  }

  /** Chooses the option of the select {@code id} whose value is {@code value}. */
  private void choose(String id, String value) {
    id(id).findElement(By.cssSelector("option[value='" + value + "']")).click();
  }

  private String text(String id) {
    return id(id).getText();
  }

  /** The timeline's steps, as the page words their statuses. */
  private List<String> timelineStatuses() {
    return browser.driver().findElements(By.cssSelector("#timeline > li strong")).stream()
        .map(WebElement::getText)
        .toList();
  }

  // --- the case manager's browser ---

  private String referralPage(String referralId) {
    return gateway.url() + "/referrals/" + referralId;
  }

  /** No gateway session: as in a browser that never signed in (cookies are per host). */
  private void freshSession(String url) {
    URI page = URI.create(url);
    browser.open(page.getScheme() + "://" + page.getRawAuthority() + "/sign-in");
    browser.driver().manage().deleteAllCookies();
  }

  /**
   * In a fresh session, opens {@code url}: the sign-in first, the demo's staff member, the page.
   */
  private void signInAndOpen(String url, String staffId, String page) {
    freshSession(url);
    browser.open(url);
    await().atMost(TIMEOUT).until(() -> browser.url().contains("/sign-in"));
    id("demo-" + staffId).click();
    await().atMost(TIMEOUT).until(() -> browser.url().startsWith(url));
    browser.assertAccessible(page);
  }

  /** The send-again form filled in and sent: the target, the client id typed again. */
  private void sendAgainTo(String target) {
    choose("target", target);
    id("clientId").clear();
    id("clientId").sendKeys(declinedClient);
    id("send-again-button").click();
  }

  private String referralIdInUrl() {
    Matcher matcher = Pattern.compile("/referrals/(ref-[^/?]+)").matcher(browser.url());
    assertThat(matcher.find()).as(browser.url()).isTrue();
    return matcher.group(1);
  }

  private List<String> submittedSince(String referralId, Map<TopicPartition, Long> mark) {
    return topics.aboutSince(referralId, mark).stream()
        .filter(record -> record.startsWith(Topics.REFERRAL_SUBMITTED.name() + "-"))
        .toList();
  }

  /** The link to the referral's page in the case manager's email about it. */
  private static Pattern caseManagerLink(String referralId) {
    return Pattern.compile("http://\\S+/referrals/" + Pattern.quote(referralId) + "(?![\\w-])");
  }

  private static String caseManagerLink(MimeMessage email, String referralId) {
    return CaughtMail.link(email, caseManagerLink(referralId));
  }

  // --- the pantry's mail ---

  private static final Pattern LINK = Pattern.compile("http://\\S+/intake/\\S+");

  private MimeMessage awaitIntakeEmail(String referralId) {
    return mailbox.awaitMessage(PANTRY_INBOX, referralId, LINK, TIMEOUT);
  }

  private static String link(MimeMessage email) {
    return CaughtMail.link(email, LINK);
  }

  private static String token(String link) {
    return link.substring(link.lastIndexOf('/') + 1);
  }

  private String pageUrl(String referralId, String token) {
    return adapter.url() + "/intake/" + referralId + "/" + token;
  }

  /** A link the adapter signed with this run's secret (IntakeLinkForger). */
  private String signed(String provider, String referralId, Instant expiresAt) {
    return IntakeLinkForger.token(adapter.intakeLinkSecret(), provider, referralId, expiresAt);
  }

  // --- the gateway's API, as the agency would call it ---

  private String recordPantryConsent(String client) throws Exception {
    return driver.recordConsent(client, List.of(PANTRY));
  }

  private String submit(Instant respondBy) throws Exception {
    return submit(respondBy, clientId, consentId);
  }

  private String submit(Instant respondBy, String client, String consent) throws Exception {
    return driver.submit(PANTRY, SERVICE, "Groceries", respondBy, client, consent);
  }

  /** Once the adapter recorded the delivery, nothing more is written about a waiting referral. */
  private void awaitDelivered(String referralId) {
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> topics.has(Topics.REFERRAL_DELIVERED, referralId));
  }

  private JsonNode awaitStatus(String referralId, String status) {
    return driver.awaitStatus(referralId, status, TIMEOUT);
  }
}
