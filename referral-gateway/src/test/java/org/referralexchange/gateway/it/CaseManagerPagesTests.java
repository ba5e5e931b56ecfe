package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.referralexchange.gateway.it.PageBrowser.form;

import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The case manager's pages against a gateway on a real port, the embedded broker and the stand-in
 * registry, driven over HTTP with a cookie-keeping client as a browser drives them. Signed in with
 * the demo sign-in (on here, as in the local run; http, so the cookie is not Secure-only).
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.web.demo-sign-in.enabled=true",
      "server.servlet.session.cookie.secure=false"
    })
class CaseManagerPagesTests {

  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
    PageFlows.listProviders();
  }

  @LocalServerPort int port;

  GatewayClient api() {
    return new GatewayClient(port);
  }

  PageBrowser browser() {
    return new PageBrowser(port);
  }

  PageBrowser signedIn(String staffId) {
    PageBrowser browser = browser();
    PageBrowser.Page signedIn = browser.demoSignIn(staffId);
    assertThat(signedIn.status()).isEqualTo(302);
    assertThat(signedIn.location()).doesNotContain("refused");
    return browser;
  }

  @BeforeEach
  void ready() {
    PartTwoFlows.awaitReadiness(api());
  }

  @Test
  void referralPageShowsTimelineReasonsOutcomeCostProviderContactAndResponseClock() {
    PageFlows.Made made = PageFlows.referralToPantry(api());
    String id = made.referralId();
    PageFlows.delivered(id);
    PageFlows.reminded(id);
    PageFlows.providerSays(id, ReferralStatus.ACCEPTED, "other", "We will call on Monday", null);
    PageFlows.providerSays(id, ReferralStatus.COMPLETED, null, null, PageFlows.twoBoxes());
    PageFlows.awaitStatus(api(), id, "COMPLETED");
    PageBrowser browser = signedIn("cm-7");

    String page =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> browser.get("/referrals/" + id),
                p -> p.status() == 200 && !p.body().contains("Not yet confirmed"))
            .body();

    assertThat(page)
        .contains("id=\"status\"")
        .contains("Completed")
        .contains("Accepted")
        .contains("We will call on Monday")
        .contains("Two pantry boxes")
        .contains("2 boxes")
        .contains("45.50 USD")
        .contains("Eastside Pantry")
        .contains(PageFlows.PANTRY_PHONE)
        .contains(PageFlows.PANTRY_EMAIL)
        .contains("Zebulon-Canary")
        .contains("canary needs narrative")
        .contains("Casey Manager");
    assertThat(section(page, "signed-in-as")).isEqualTo("Casey Manager");
    assertThat(section(page, "due-by")).doesNotContain("response window");
    assertThat(section(page, "reminder-at")).doesNotStartWith("No");
    assertThat(section(page, "returned-at")).startsWith("No");
    assertThat(page).doesNotContain("<script");
  }

  @Test
  void listShowsOverdueReferralsFirstWithTheirNewestChangeAndFiltersByStatus() {
    PageFlows.Made overdue = PageFlows.referralToPantry(api());
    PageFlows.reminded(overdue.referralId());
    PageFlows.Made declined = PageFlows.referralToPantry(api());
    PageFlows.providerSays(
        declined.referralId(), ReferralStatus.REJECTED, "no-capacity", "No boxes left", null);
    PageFlows.awaitStatus(api(), declined.referralId(), "REJECTED");
    PageBrowser browser = signedIn("cm-7");

    String list =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> browser.get("/referrals"),
                p -> rowOf(p.body(), overdue.referralId()).contains("Overdue"))
            .body();

    assertThat(list.indexOf("row-" + overdue.referralId()))
        .as("the overdue referral, older, comes before the newer declined one")
        .isLessThan(list.indexOf("row-" + declined.referralId()));
    assertThat(rowOf(list, declined.referralId())).contains("Declined: No boxes left");
    String onlyDeclined = browser.get("/referrals?status=REJECTED&scope=mine").body();
    assertThat(onlyDeclined)
        .contains("row-" + declined.referralId())
        .doesNotContain("row-" + overdue.referralId());
    assertThat(browser.get("/referrals?status=NOT_A_STATUS").status()).isEqualTo(400);
  }

  @Test
  void aLinkWithoutSessionLeadsToSignInAndThenBackToTheReferral() {
    String id = PageFlows.referralToPantry(api()).referralId();
    PageBrowser browser = browser();

    PageBrowser.Page anonymous = browser.get("/referrals/" + id);

    assertThat(anonymous.status()).isEqualTo(302);
    assertThat(anonymous.location()).endsWith("/sign-in");
    assertThat(anonymous.body()).doesNotContain("Zebulon-Canary");
    PageBrowser.Page signedIn = browser.demoSignIn("cm-7");
    assertThat(signedIn.status()).isEqualTo(302);
    assertThat(signedIn.location()).contains("/referrals/" + id);
    PageBrowser.Page page = browser.follow(signedIn);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains(id).contains("Zebulon-Canary");
  }

  @Test
  void aSessionTheServerNoLongerKnowsSendsToSignInSayingItExpired() {
    PageBrowser browser = signedIn("cm-7");
    assertThat(browser.get("/referrals").status()).isEqualTo(200);
    java.net.HttpCookie gone = new java.net.HttpCookie("JSESSIONID", "expired-session-id");
    gone.setPath("/");
    gone.setVersion(0);
    browser.cookies.getCookieStore().removeAll();
    browser.cookies.getCookieStore().add(java.net.URI.create(browser.base), gone);

    PageBrowser.Page page = browser.get("/referrals");

    assertThat(page.status()).isEqualTo(302);
    assertThat(page.location()).endsWith("/sign-in?expired");
    assertThat(browser.follow(page).body()).contains("sign-in-expired");
  }

  @Test
  void signingOutEndsTheSession() {
    PageBrowser browser = signedIn("cm-7");
    PageBrowser.Page list = browser.get("/referrals");

    PageBrowser.Page out = browser.post("/sign-out", form("_csrf", list.csrf()));

    assertThat(out.status()).isEqualTo(302);
    assertThat(out.location()).endsWith("/sign-in?signed-out");
    assertThat(browser.get("/referrals").status()).isEqualTo(302);
  }

  @Test
  void anotherAgencysReferralIsTheSameNotFoundPageAsAnUnknownOneWithNoClientData() {
    String id = PageFlows.referralToPantry(api()).referralId();
    PageBrowser harbor = signedIn("cm-harbor-1");

    PageBrowser.Page foreign = harbor.get("/referrals/" + id);
    PageBrowser.Page unknown = harbor.get("/referrals/ref-does-not-exist");

    assertThat(foreign.status()).isEqualTo(404);
    assertThat(foreign.body()).contains("Referral not found");
    assertThat(foreign.body()).isEqualTo(unknown.body());
    assertThat(unknown.status()).isEqualTo(404);
    for (String canary : Requests.CANARIES) {
      assertThat(foreign.body()).doesNotContain(canary);
    }
    assertThat(foreign.body()).doesNotContain("Eastside Pantry").doesNotContain(id);
    assertThat(harbor.get("/referrals").body()).doesNotContain(id);
    assertThat(harbor.get("/referrals/" + id + "/send-again").status()).isEqualTo(404);
    assertThat(harbor.get("/referrals/" + id + "/no/such/page").status()).isEqualTo(404);
  }

  @Test
  void cancellingWithAReasonPublishesTheApisStatusEventAndThePageShowsIt() {
    String id = PageFlows.referralToPantry(api()).referralId();
    PageBrowser browser = signedIn("cm-7");
    PageBrowser.Page page = browser.get("/referrals/" + id);
    assertThat(page.body()).contains("cancel-form");

    PageBrowser.Page cancelled =
        browser.post(
            "/referrals/" + id + "/cancellation",
            form(
                "_csrf", page.csrf(),
                "reasonCode", "no-longer-needed",
                "reasonText", "Found help closer to home"));

    assertThat(cancelled.status()).isEqualTo(302);
    assertThat(cancelled.location()).endsWith("/referrals/" + id + "?done=cancelled");
    List<SpecificRecord> events =
        ExchangeInfrastructure.events(Topics.REFERRAL_STATUS_CHANGED.name(), id);
    assertThat(events).hasSize(1);
    ReferralStatusChanged event = (ReferralStatusChanged) events.get(0);
    assertThat(event.getStatus()).isEqualTo(ReferralStatus.CANCELLED);
    assertThat(event.getActor().getRole()).isEqualTo(ActorRole.REQUESTER);
    assertThat(event.getActor().getOrganizationId()).isEqualTo("county-hhs");
    assertThat(event.getReason().getCode()).isEqualTo("no-longer-needed");
    assertThat(event.getReason().getText()).isEqualTo("Found help closer to home");
    String shown = browser.follow(cancelled).body();
    assertThat(section(shown, "status")).startsWith("Cancelled");
    assertThat(shown).contains("Found help closer to home").doesNotContain("cancel-form");
  }

  @Test
  void aFormWithoutItsCsrfTokenIsRefusedAndPublishesNothing() {
    String id = PageFlows.referralToPantry(api()).referralId();
    PageBrowser browser = signedIn("cm-7");
    browser.get("/referrals/" + id);

    PageBrowser.Page missing =
        browser.post("/referrals/" + id + "/cancellation", form("reasonCode", "no-longer-needed"));
    PageBrowser.Page forged =
        browser.post(
            "/referrals/" + id + "/cancellation",
            form("_csrf", "forged-token", "reasonCode", "no-longer-needed"));

    assertThat(missing.status()).isEqualTo(403);
    assertThat(missing.body()).contains("This form can no longer be sent");
    assertThat(forged.status()).isEqualTo(403);
    assertThat(ExchangeInfrastructure.events(Topics.REFERRAL_STATUS_CHANGED.name(), id)).isEmpty();
    assertThat(api().get("county-hhs", "/api/v1/referrals/" + id).json().path("status").asString())
        .isEqualTo("REQUESTED");
  }

  @Test
  void aDeclinedReferralIsSentAgainToAnotherProviderPrefilledAndADoubleSubmitIsOneReferral() {
    PageFlows.Made made = PageFlows.referralToPantry(api());
    String id = made.referralId();
    PageFlows.providerSays(id, ReferralStatus.REJECTED, "no-capacity", "No boxes left", null);
    PageFlows.awaitStatus(api(), id, "REJECTED");
    PageBrowser browser = signedIn("cm-7");
    String page = browser.get("/referrals/" + id).body();
    assertThat(page).contains("send-again-link").contains("No boxes left");
    PageBrowser.Page formPage = browser.get("/referrals/" + id + "/send-again");
    assertThat(formPage.status()).isEqualTo(200);
    assertThat(formPage.body()).contains("Westside Kitchen: Hot meals");
    assertThat(formPage.body()).doesNotContain("Eastside Pantry: Pantry box");
    String key = formPage.hidden("idempotencyKey");
    String csrf = formPage.csrf();

    PageBrowser.Page wrongClient =
        browser.post(
            "/referrals/" + id + "/send-again",
            form(
                "_csrf",
                csrf,
                "idempotencyKey",
                key,
                "target",
                PageFlows.KITCHEN + "|hot-meals",
                "clientId",
                "someone-else",
                "priority",
                "URGENT"));
    assertThat(wrongClient.status()).isEqualTo(400);
    assertThat(wrongClient.body()).contains("send-again-error").contains("not the client");

    java.util.Map<String, String> send =
        form(
            "_csrf",
            csrf,
            "idempotencyKey",
            key,
            "target",
            PageFlows.KITCHEN + "|hot-meals",
            "clientId",
            made.clientId(),
            "priority",
            "URGENT");
    PageBrowser.Page first = browser.post("/referrals/" + id + "/send-again", send);
    PageBrowser.Page second = browser.post("/referrals/" + id + "/send-again", send);

    assertThat(first.status()).isEqualTo(302);
    assertThat(first.location()).contains("?done=sent");
    String newId = first.location().replaceAll(".*/referrals/([^?]+)\\?.*", "$1");
    assertThat(newId).isNotEqualTo(id);
    assertThat(second.status()).isEqualTo(302);
    assertThat(second.location()).endsWith("/referrals/" + newId + "?done=already-sent");
    List<SpecificRecord> submitted =
        ExchangeInfrastructure.events(Topics.REFERRAL_SUBMITTED.name(), newId);
    assertThat(submitted).hasSize(1);
    ReferralSubmitted event = (ReferralSubmitted) submitted.get(0);
    ReferralSubmitted old =
        (ReferralSubmitted)
            ExchangeInfrastructure.events(Topics.REFERRAL_SUBMITTED.name(), id).get(0);
    assertThat(event.getTarget().getProviderId()).isEqualTo(PageFlows.KITCHEN);
    assertThat(event.getTarget().getServiceId()).isEqualTo("hot-meals");
    assertThat(event.getClient().getClientPseudonym())
        .isEqualTo(old.getClient().getClientPseudonym());
    assertThat(event.getConsent().getConsentId()).isEqualTo(made.consentId());
    assertThat(event.getNeeds()).isEqualTo(old.getNeeds());
    assertThat(event.getReferrer().getCaseManager().getId()).isEqualTo("cm-7");
    String newPage = browser.follow(first).body();
    assertThat(newPage)
        .contains("Westside Kitchen")
        .contains("Zebulon-Canary")
        .contains("canary needs narrative")
        .contains("Sent. This is the new referral");
  }

  @Test
  void theSendAgainFormShownAgainInTheSameSessionCarriesTheSameKey() {
    PageFlows.Made made = PageFlows.referralToPantry(api());
    String id = made.referralId();
    PageFlows.providerSays(id, ReferralStatus.REJECTED, "no-capacity", "No boxes left", null);
    PageFlows.awaitStatus(api(), id, "REJECTED");
    PageBrowser browser = signedIn("cm-7");

    // As after Back: the page is not cached, so the browser asks for the form again.
    String first = browser.get("/referrals/" + id + "/send-again").hidden("idempotencyKey");
    String again = browser.get("/referrals/" + id + "/send-again").hidden("idempotencyKey");
    String otherSession =
        signedIn("cm-7").get("/referrals/" + id + "/send-again").hidden("idempotencyKey");

    assertThat(again).isEqualTo(first);
    assertThat(otherSession).isNotEqualTo(first);
  }

  @Test
  void showingAndSendingAgainLogsNoClientData(CapturedOutput output) {
    PageFlows.Made made = PageFlows.referralToPantry(api());
    PageFlows.providerSays(
        made.referralId(), ReferralStatus.REJECTED, "no-capacity", "No boxes left", null);
    PageFlows.awaitStatus(api(), made.referralId(), "REJECTED");
    PageBrowser browser = signedIn("cm-7");
    assertThat(browser.get("/referrals/" + made.referralId()).body()).contains("Zebulon-Canary");
    PageBrowser.Page form = browser.get("/referrals/" + made.referralId() + "/send-again");
    PageBrowser.Page sent =
        browser.post(
            "/referrals/" + made.referralId() + "/send-again",
            form(
                "_csrf", form.csrf(),
                "idempotencyKey", form.hidden("idempotencyKey"),
                "target", PageFlows.KITCHEN + "|hot-meals",
                "clientId", made.clientId(),
                "priority", "ROUTINE"));
    assertThat(sent.status()).isEqualTo(302);
    assertThat(browser.follow(sent).body()).contains("Zebulon-Canary");

    for (String canary : Requests.CANARIES) {
      assertThat(output.getAll()).doesNotContain(canary);
    }
    assertThat(output.getAll()).doesNotContain(made.clientId());
  }

  @Test
  void aRevokedConsentLeavesNoClientDataOnThePage() {
    PageFlows.Made made = PageFlows.referralToPantry(api());
    PageBrowser browser = signedIn("cm-7");
    assertThat(browser.get("/referrals/" + made.referralId()).body()).contains("Zebulon-Canary");

    GatewayClient.Response revoked =
        api().post("county-hhs", "/api/v1/consents/" + made.consentId() + "/revocation", "{}");
    assertThat(revoked.status()).as(revoked.body()).isLessThan(300);

    String page =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> browser.get("/referrals/" + made.referralId()).body(),
                body -> body.contains("client-data-withdrawn"));
    for (String canary : Requests.CANARIES) {
      assertThat(page).doesNotContain(canary);
    }
    assertThat(page).doesNotContain("Groceries for two weeks");
  }

  @Test
  void pagesCarryTheContentSecurityPolicyAndTheSessionCookieIsHttpOnlyAndLax() {
    PageBrowser browser = browser();
    PageBrowser.Page signIn = browser.get("/sign-in");

    assertThat(signIn.status()).isEqualTo(200);
    assertThat(signIn.header("Content-Security-Policy")).isEqualTo(CSP);
    assertThat(signIn.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(signIn.header("X-Frame-Options")).isEqualTo("DENY");
    assertThat(signIn.header("Cache-Control")).contains("no-store");
    assertThat(signIn.headers("Set-Cookie"))
        .anySatisfy(
            cookie ->
                assertThat(cookie)
                    .startsWith("JSESSIONID=")
                    .contains("HttpOnly")
                    .contains("SameSite=Lax"));
    assertThat(signIn.body()).contains("<html lang=\"en\"").contains("demo-cm-7");
    assertThat(browser.get("/css/pages.css").status()).isEqualTo(200);
    PageBrowser.Page nowhere = browser.get("/sign-in/nowhere");
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(nowhere.body()).contains("Page not found").doesNotContain("Exception");
    // The API stays stateless: no session cookie, and a page session does not open it.
    GatewayClient.Response me = api().get("county-hhs", "/api/v1/me");
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.header("Set-Cookie")).isNull();
    PageBrowser signedIn = signedIn("cm-7");
    assertThat(signedIn.get("/api/v1/me").status()).isEqualTo(401);
  }

  /** The text inside the element with this id (up to the next tag). */
  static String section(String page, String id) {
    int at = page.indexOf("id=\"" + id + "\"");
    assertThat(at).as("element " + id).isPositive();
    int start = page.indexOf('>', at) + 1;
    return page.substring(start, page.indexOf('<', start)).trim();
  }

  static String rowOf(String list, String referralId) {
    int at = list.indexOf("row-" + referralId);
    if (at < 0) {
      return "";
    }
    int end = list.indexOf("</tr>", at);
    return list.substring(at, end);
  }
}
