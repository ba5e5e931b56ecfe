package org.referralexchange.adapter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.events.v1.DisclosureKind;
import org.referralexchange.events.v1.DisclosurePath;
import org.referralexchange.events.v1.DisclosureRecorded;
import org.referralexchange.events.v1.IntakePageViewed;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The email-intake kind against real parts: an adapter on the embedded broker, GreenMail as the
 * provider's mail server, and a real HTTP client on the pages its emails link to.
 */
class IntakeFlowTests {

  static final String PROVIDER = "pantry";
  static final String INTAKE_ADDRESS = "intake@pantry.example";
  static final String LINK_SECRET = "test-only-intake-link-secret-0123456789abcdef";
  static final Pattern LINK =
      Pattern.compile("http://127\\.0\\.0\\.1:\\d+(/intake/[^\\s/]+/[^\\s]+)");

  static GreenMail mail;
  static ConfigurableApplicationContext adapter;
  static int port;
  static final HttpClient http = HttpClient.newBuilder().build();

  @BeforeAll
  static void start() {
    mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    mail.start();
    String p = "--adapter.providers[0].";
    adapter =
        new SpringApplicationBuilder(AgencyAdapterApplication.class)
            .run(
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--spring.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
                "--spring.kafka.properties.schema.registry.url="
                    + ExchangeInfrastructure.registryUrl(),
                "--adapter.encryption.keyset-json=" + ExchangeInfrastructure.KEYSET,
                "--adapter.minimum-poll-interval=PT0S",
                "--adapter.tick-interval=PT0.2S",
                "--adapter.consent-sweep-interval=PT0.5S",
                "--exchange.kafka.ownership.group-id=intake-" + UUID.randomUUID(),
                "--spring.mail.host=127.0.0.1",
                "--spring.mail.port=" + mail.getSmtp().getPort(),
                "--adapter.intake.link-secret=" + LINK_SECRET,
                p + "id=" + PROVIDER,
                p + "name=Community Pantry",
                p + "kind=email-intake",
                p + "endpoint=mailto:" + INTAKE_ADDRESS,
                // phone is allow-listed but outside the test consent: it must not show.
                p + "allowed-fields=givenName,phone",
                p + "service-categories=" + PROVIDER,
                p + "time-zone=UTC",
                p + "opens-at=00:00",
                p + "closes-at=23:59:59.999",
                p + "business-days=MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY",
                p + "response-window=P2D",
                p + "grace=P2D",
                p + "poll-interval=PT15M",
                p + "enabled=true");
    port = Integer.parseInt(adapter.getEnvironment().getProperty("local.server.port"));
  }

  @AfterAll
  static void stop() {
    adapter.close();
    mail.stop();
  }

  // --- tests -----------------------------------------------------------------------------

  @Test
  void deliveryEmailsOneLinkAndNoClientData() throws Exception {
    String referralId = delivered(Instant.now().plus(Duration.ofDays(2)));
    List<MimeMessage> emails = emailsAbout(referralId);
    assertThat(emails).hasSize(1);
    MimeMessage email = emails.get(0);
    assertThat(email.getAllRecipients()[0].toString()).isEqualTo(INTAKE_ADDRESS);
    String raw = GreenMailUtil.getWholeMessage(email);
    assertThat(linksIn(raw)).hasSize(1);
    assertNoCanaryIn(raw);
    assertThat(raw).doesNotContain(LINK_SECRET);
    // The accounting of disclosures names the path the provider was reached by.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(disclosuresOf(referralId))
                    .singleElement()
                    .satisfies(
                        d -> {
                          assertThat(d.getPath()).isEqualTo(DisclosurePath.EMAIL_INTAKE);
                          assertThat(d.getKind()).isEqualTo(DisclosureKind.DELIVERED);
                        }));
  }

  private static List<DisclosureRecorded> disclosuresOf(String referralId) {
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL,
            ExchangeInfrastructure.registryUrl(),
            SerdeConfig.SPECIFIC_AVRO_READER,
            true),
        false);
    return ExchangeInfrastructure.read(Topics.CONSENT_DISCLOSURES.name(), values).stream()
        .map(r -> (DisclosureRecorded) r.value())
        .filter(d -> d.getReferralId().equals(referralId))
        .toList();
  }

  @Test
  void thePageShowsOnlyAllowListedConsentedFieldsAndEachViewIsOneAuditEventWithoutContent()
      throws Exception {
    String referralId = delivered(Instant.now().plus(Duration.ofDays(2)));
    String link = linksIn(GreenMailUtil.getWholeMessage(emailsAbout(referralId).get(0))).get(0);

    HttpResponse<String> page = get(link, "text/html");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Zebulon-Canary"); // givenName: consented and allow-listed
    assertThat(page.body()).doesNotContain("+15555550199"); // phone: allow-listed, not consented
    for (String outside :
        List.of(
            "Quixote-Canary",
            "1980",
            "canary.client@example.org",
            "77 Canary Lane",
            "MRN-CANARY-4471",
            "x-canary-lang",
            "canary needs narrative")) {
      assertThat(page.body()).as(outside).doesNotContain(outside);
    }
    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertThat(csp).contains("default-src 'none'").doesNotContain("unsafe-inline");
    assertThat(page.body()).doesNotContain("<script").doesNotContain("style=\"");
    assertThat(page.headers().firstValue("Referrer-Policy")).contains("no-referrer");
    assertThat(page.headers().firstValue("Set-Cookie").orElseThrow())
        .contains("Secure")
        .contains("HttpOnly")
        .containsIgnoringCase("SameSite=Strict");

    List<ConsumerRecord<String, byte[]>> views =
        ExchangeInfrastructure.readAll(Topics.INTAKE_PAGE_VIEWED.name()).stream()
            .filter(r -> r.key().equals(referralId))
            .toList();
    assertThat(views).hasSize(1);
    assertNoCanaryIn(new String(views.get(0).value(), StandardCharsets.ISO_8859_1));
    IntakePageViewed viewed =
        (IntakePageViewed)
            ExchangeInfrastructure.events(Topics.INTAKE_PAGE_VIEWED.name(), referralId).get(0);
    assertThat(viewed.getProviderId()).isEqualTo(PROVIDER);
    assertThat(viewed.getReferralId()).isEqualTo(referralId);
    assertThat(viewed.getWithdrawn()).isFalse();
  }

  @Test
  void acceptThenCompleteWithACostRecordsBothOnTheTopicAndAnAnswerGivenTwiceIsRefused()
      throws Exception {
    String referralId = delivered(Instant.now().plus(Duration.ofDays(2)));
    String link = linksIn(GreenMailUtil.getWholeMessage(emailsAbout(referralId).get(0))).get(0);

    HttpResponse<String> accepted = post(link, "accept", Map.of());
    assertThat(accepted.statusCode()).isEqualTo(303);
    ReferralStatusChanged accept =
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.ACCEPTED);
    assertThat(accept.getActor().getOrganizationId()).isEqualTo(PROVIDER);
    assertThat(accept.getActor().getUserId()).startsWith("intake-link/");

    HttpResponse<String> again = post(link, "accept", Map.of());
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("already given").doesNotContain("Exception");

    HttpResponse<String> completed =
        post(
            link,
            "complete",
            Map.of(
                "delivered",
                "Two weeks of groceries",
                "units",
                "2",
                "unitName",
                "boxes",
                "cost",
                "12.50",
                "currency",
                "USD"));
    assertThat(completed.statusCode()).isEqualTo(303);
    ReferralStatusChanged complete =
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.COMPLETED);
    assertThat(complete.getOutcome().getDelivered()).isEqualTo("Two weeks of groceries");
    assertThat(complete.getOutcome().getCost().getAmount())
        .isEqualByComparingTo(new BigDecimal("12.50"));
    assertThat(complete.getOutcome().getCost().getCurrency()).isEqualTo("USD");
    assertThat(AdapterFlowTests.statuses(referralId))
        .extracting(ReferralStatusChanged::getStatus)
        .containsExactly(ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED);
  }

  @Test
  void aDeclineWithoutAReasonIsRefusedAndChangesNothing() throws Exception {
    String referralId = delivered(Instant.now().plus(Duration.ofDays(2)));
    String link = linksIn(GreenMailUtil.getWholeMessage(emailsAbout(referralId).get(0))).get(0);
    HttpResponse<String> refused = post(link, "decline", Map.of("reason", "made-up"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("Nothing was recorded");
    HttpResponse<String> declined = post(link, "decline", Map.of("reason", "no-capacity"));
    assertThat(declined.statusCode()).isEqualTo(303);
    ReferralStatusChanged rejected =
        AdapterFlowTests.awaitStatus(referralId, ReferralStatus.REJECTED);
    assertThat(rejected.getReason().getCode()).isEqualTo("no-capacity");
    assertThat(AdapterFlowTests.statuses(referralId)).hasSize(1);
  }

  @Test
  void forgedForeignAndExpiredLinksGetAClearPageAndAProblemType() throws Exception {
    String first = delivered(Instant.now().plus(Duration.ofDays(2)));
    String second = delivered(Instant.now().plus(Duration.ofDays(2)));
    String link = linksIn(GreenMailUtil.getWholeMessage(emailsAbout(first).get(0))).get(0);
    String token = link.substring(link.lastIndexOf('/') + 1);

    char last = token.charAt(token.length() - 2);
    String forged =
        link.substring(0, link.length() - 2)
            + (last == 'A' ? 'B' : 'A')
            + link.charAt(link.length() - 1);
    assertRefused(forged, 404, "not valid", "/problems/intake-link-invalid");
    assertRefused(
        "/intake/" + first + "/not-a-token", 404, "not valid", "/problems/intake-link-invalid");

    String foreign = "/intake/" + second + "/" + token;
    assertRefused(foreign, 403, "does not open this referral", "/problems/intake-link-foreign");

    String expired =
        "/intake/" + first + "/" + signedToken(first, Instant.now().minus(Duration.ofHours(1)));
    assertRefused(expired, 410, "expired", "/problems/intake-link-expired");

    // None of them was a view.
    assertThat(ExchangeInfrastructure.events(Topics.INTAKE_PAGE_VIEWED.name(), second)).isEmpty();
  }

  @Test
  void aRevokedConsentShowsWithdrawnAndNothingElse() throws Exception {
    String referralId = delivered(Instant.now().plus(Duration.ofDays(2)));
    String link = linksIn(GreenMailUtil.getWholeMessage(emailsAbout(referralId).get(0))).get(0);
    AdapterFlowTests.revokeAsTheGatewayDoes(referralId, Instant.now());
    AdapterFlowTests.awaitStatus(referralId, ReferralStatus.CANCELLED);

    HttpResponse<String> page = get(link, "text/html");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Withdrawn");
    assertNoCanaryIn(page.body());
    assertThat(page.body()).doesNotContain(referralId).doesNotContain("<form");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !ExchangeInfrastructure.events(Topics.INTAKE_PAGE_VIEWED.name(), referralId)
                    .isEmpty());
    IntakePageViewed viewed =
        (IntakePageViewed)
            ExchangeInfrastructure.events(Topics.INTAKE_PAGE_VIEWED.name(), referralId).get(0);
    assertThat(viewed.getWithdrawn()).isTrue();
  }

  @Test
  void aReminderIsAnotherEmailWithAFreshLink() throws Exception {
    String referralId = delivered(Instant.now().plusSeconds(3));
    await().atMost(Duration.ofSeconds(60)).until(() -> emailsAbout(referralId).size() >= 2);
    List<MimeMessage> emails = emailsAbout(referralId);
    assertThat(emails.get(1).getSubject()).startsWith("Reminder");
    String reminder = GreenMailUtil.getWholeMessage(emails.get(1));
    assertNoCanaryIn(reminder);
    String firstLink = linksIn(GreenMailUtil.getWholeMessage(emails.get(0))).get(0);
    String freshLink = linksIn(reminder).get(0);
    assertThat(freshLink).isNotEqualTo(firstLink);
    assertThat(get(freshLink, "text/html").statusCode()).isEqualTo(200);
  }

  // --- helpers ---------------------------------------------------------------------------

  static String delivered(Instant respondBy) {
    String referralId = AdapterFlowTests.submit(PROVIDER, respondBy, true);
    AdapterFlowTests.awaitEvent(
        Topics.REFERRAL_DELIVERED.name(), referralId, ReferralDelivered.class);
    await().atMost(Duration.ofSeconds(30)).until(() -> !emailsAbout(referralId).isEmpty());
    return referralId;
  }

  static List<MimeMessage> emailsAbout(String referralId) {
    return Arrays.stream(mail.getReceivedMessages())
        .filter(m -> GreenMailUtil.getWholeMessage(m).contains(referralId))
        .toList();
  }

  static List<String> linksIn(String raw) {
    Matcher m = LINK.matcher(raw);
    List<String> links = new java.util.ArrayList<>();
    while (m.find()) {
      links.add(m.group(1));
    }
    return links;
  }

  static void assertNoCanaryIn(String text) {
    AdapterFlowTests.CANARY_BY_FIELD.forEach(
        (field, canary) -> {
          if (!field.equals("needs")) {
            assertThat(text).as(field).doesNotContain(canary);
          }
        });
  }

  static HttpResponse<String> get(String path, String accept) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Accept", accept)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Opens the page as a browser would, then posts the action's form with its cookie and token. */
  static HttpResponse<String> post(String link, String action, Map<String, String> fields)
      throws Exception {
    HttpResponse<String> page = get(link, "text/html");
    String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    Matcher token = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(token.find()).as("the page has a form").isTrue();
    Map<String, String> form = new java.util.LinkedHashMap<>(fields);
    form.put("_csrf", token.group(1));
    String body =
        form.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + link + "/" + action))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "text/html")
            .header("Cookie", cookie)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static void assertRefused(String path, int status, String words, String type) throws Exception {
    HttpResponse<String> page = get(path, "text/html");
    assertThat(page.statusCode()).isEqualTo(status);
    assertThat(page.body())
        .contains(words)
        .contains("<h1")
        .doesNotContain("Whitelabel")
        .doesNotContain("Exception")
        .doesNotContain("at org.");
    HttpResponse<String> problem = get(path, "application/problem+json");
    assertThat(problem.statusCode()).isEqualTo(status);
    assertThat(problem.body()).contains("\"type\":\"" + type + "\"");
  }

  /**
   * A link signed with the adapter's secret, written here from the documented format (payload
   * {@code 1\n<linkId>\n<providerId>\n<referralId>\n<expiry epoch s>}, base64url; MAC HMAC-SHA256
   * over {@code intake-link.v1.<payload>}), so an expired one can be made without waiting a week.
   */
  static String signedToken(String referralId, Instant expiresAt) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String payload =
        b64.encodeToString(
            String.join(
                    "\n",
                    "1",
                    "test-link",
                    PROVIDER,
                    referralId,
                    Long.toString(expiresAt.getEpochSecond()))
                .getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(LINK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return payload
        + "."
        + b64.encodeToString(
            mac.doFinal(("intake-link.v1." + payload).getBytes(StandardCharsets.UTF_8)));
  }
}
