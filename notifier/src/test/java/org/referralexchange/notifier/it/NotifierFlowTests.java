package org.referralexchange.notifier.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.BodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.CaseManager;
import org.referralexchange.events.v1.Money;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.Outcome;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.notifier.NotifierApplication;
import org.referralexchange.notifier.channel.EmailSender;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ProviderDirectoryRecords;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The notifier against a real broker and registry, a real SMTP server (GreenMail) and WireMock
 * playing Twilio's API: what each status says on which channel, exactly once, through an SMTP
 * outage, permanent failures, quiet hours, follow-ups, unknown referrals and a second instance.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    classes = {
      NotifierApplication.class,
      NotifierFlowTests.TestClock.class,
      NotifierFlowTests.UnforeseenFailures.class
    })
// Closed after the class: left cached, it would go on notifying (in its own group) for the events
// of the other tests' notifier instances on the same broker.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class NotifierFlowTests {

  static final String ACCOUNT = "ACtest0000000000000000000000000001";
  static final String MESSAGES = "/2010-04-01/Accounts/" + ACCOUNT + "/Messages.json";
  static final String INVALID_NUMBER = "+15550000000";
  static final String CANARY_PSEUDONYM = "CANARY-PSEUDONYM-7731";
  static final String CANARY_CLIENT = "Quixote-Canary";
  static final WireMockServer TWILIO = twilio();

  @Autowired MeterRegistry meters;

  /** This instance's Kafka Streams: its progress on the topics it reads, its punctuations. */
  @Autowired StreamsBuilderFactoryBean streams;

  @Autowired org.springframework.context.ApplicationContext context;

  static WireMockServer twilio() {
    WireMockServer server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    server.start();
    server.stubFor(
        post(urlEqualTo(MESSAGES))
            .atPriority(5)
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"sid\":\"SM00000000000000000000000000000001\",\"status\":\"queued\","
                            + "\"account_sid\":\""
                            + ACCOUNT
                            + "\"}")));
    server.stubFor(
        post(urlEqualTo(MESSAGES))
            .atPriority(1)
            .withRequestBody(containing("To=%2B15550000000"))
            .willReturn(
                aResponse()
                    .withStatus(400)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"code\":21211,\"message\":\"Invalid 'To' Phone Number\","
                            + "\"more_info\":\"https://www.twilio.com/docs/errors/21211\","
                            + "\"status\":400}")));
    return server;
  }

  static final MutableClock CLOCK = new MutableClock();

  @TestConfiguration
  static class TestClock {
    @Bean
    @Primary
    Clock testClock() {
      return CLOCK;
    }
  }

  /** Addresses the email plug-in fails for in a way the notifier does not know. */
  static final String UNFORESEEN = "unforeseen-";

  static final java.util.concurrent.atomic.AtomicInteger UNFORESEEN_ATTEMPTS =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * The SMTP plug-in, except for {@link #UNFORESEEN} addresses, for which it throws what a bug in a
   * plug-in would: neither an outage nor a refusal, with the address in its message.
   */
  @TestConfiguration
  static class UnforeseenFailures {
    @Bean
    @Primary
    EmailSender failingForSomeAddresses(
        @org.springframework.beans.factory.annotation.Qualifier("smtpEmailSender")
            EmailSender smtp) {
      return email -> {
        if (email.to().startsWith(UNFORESEEN)) {
          UNFORESEEN_ATTEMPTS.incrementAndGet();
          throw new IllegalArgumentException("no template fits " + email.to());
        }
        return smtp.send(email);
      };
    }
  }

  @AfterAll
  static void stop() {
    TWILIO.stop();
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry properties) {
    NotifierInfrastructure.startMail();
    // The names messages use come from the provider directory, as the adapters list it.
    ProviderDirectoryRecords.publishDemoProviders();
    for (String[] p : settings()) {
      properties.add(p[0], () -> p[1]);
    }
  }

  static List<String[]> settings() {
    return List.of(
        new String[] {"spring.kafka.bootstrap-servers", NotifierInfrastructure.bootstrapServers()},
        new String[] {
          "spring.kafka.properties.schema.registry.url", NotifierInfrastructure.registryUrl()
        },
        new String[] {"spring.mail.host", "127.0.0.1"},
        new String[] {"spring.mail.port", Integer.toString(NotifierInfrastructure.smtpPort())},
        // Each instance its own state dir: a test JVM's instances share no RocksDB directory.
        new String[] {"exchange.streams.state-dir", NotifierProbe.freshStateDir().toString()},
        new String[] {"exchange.streams.standby-replicas", "0"},
        // Tasks move within seconds when an instance leaves without a word.
        new String[] {"spring.kafka.streams.properties.session.timeout.ms", "10000"},
        new String[] {"spring.kafka.streams.properties.heartbeat.interval.ms", "1000"},
        new String[] {"notifier.tick-interval", "PT0.2S"},
        new String[] {"notifier.wait-for-referral", "PT3S"},
        new String[] {"notifier.sms-quiet-hours", "21:00-08:00"},
        new String[] {"notifier.gateway-base-url", "https://gateway.test"},
        new String[] {"notifier.backoff.initial", "PT0.2S"},
        new String[] {"notifier.backoff.max", "PT0.5S"},
        new String[] {"notifier.twilio.enabled", "true"},
        new String[] {"notifier.twilio.account-sid", ACCOUNT},
        new String[] {"notifier.twilio.auth-token", "test-token"},
        new String[] {"notifier.twilio.from-number", "+15005550006"},
        new String[] {"notifier.twilio.api-base-url", TWILIO.baseUrl()});
  }

  // --- the scenarios ---------------------------------------------------------------------

  @Test
  void acceptedReachesTheCaseManagerByEmailAndSmsWithoutClientData() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL, NotificationChannel.SMS);

    publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

    MimeMessage mail = awaitOneEmail(referral);
    assertThat(mail.getSubject())
        .isEqualTo("Referral " + referral.id + ": accepted by Northside Food Bank");
    String text = textOf(mail);
    String html = htmlOf(mail);
    assertThat(text)
        .contains("Northside Food Bank accepted the referral for Emergency groceries")
        .contains("https://gateway.test/referrals/" + referral.id);
    assertThat(html).contains("href=\"https://gateway.test/referrals/" + referral.id + "\"");
    assertNoClientData(mail.getSubject() + text + html);

    String sms = awaitOneSms(referral);
    assertThat(sms)
        .isEqualTo(
            "Referral "
                + referral.id
                + ": provider accepted. Details: https://gateway.test/referrals/"
                + referral.id);
    List<NotificationRecorded> records = awaitRecords(referral, 2);
    assertThat(records)
        .extracting(NotificationRecorded::getChannel, NotificationRecorded::getOutcome)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                NotificationChannel.EMAIL, NotificationOutcome.SENT),
            org.assertj.core.groups.Tuple.tuple(NotificationChannel.SMS, NotificationOutcome.SENT));
    assertThat(records)
        .allSatisfy(r -> assertThat(r.getRecipientId()).isEqualTo("cm-" + referral.id));
    assertThat(records).allSatisfy(r -> assertThat(r.getTopic()).isEqualTo("accepted"));
    assertThat(records).allSatisfy(r -> assertThat(r.getProviderMessageId()).isNotBlank());
    assertThat(records.toString()).doesNotContain(referral.email).doesNotContain(referral.mobile);
  }

  @Test
  void declineNamesProviderAndServiceAndCarriesOnlyTheReasonCodeByEmailAndSms() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL, NotificationChannel.SMS);

    publishStatus(
        referral,
        ReferralStatus.REJECTED,
        ActorRole.PROVIDER,
        "no-capacity",
        "No openings for Zebulon until next month",
        null);

    MimeMessage mail = awaitOneEmail(referral);
    assertThat(mail.getSubject()).contains("declined by Northside Food Bank");
    assertThat(textOf(mail))
        .contains("Northside Food Bank declined the referral for Emergency groceries")
        .contains("Reason: no-capacity")
        .doesNotContain("northside-food-bank")
        .doesNotContain("emergency-groceries");
    assertThat(htmlOf(mail)).contains("no-capacity");
    String sms = awaitOneSms(referral);
    assertThat(sms).contains("provider declined (no-capacity)");
    for (String caught : List.of(mail.getSubject(), textOf(mail), htmlOf(mail), sms)) {
      assertThat(caught).doesNotContain("No openings").doesNotContain("Zebulon");
    }
    assertNoClientData(textOf(mail) + htmlOf(mail) + sms);
  }

  @Test
  void aReasonGivenAsTextAloneIsCodedOtherAndItsTextNeverSent() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL, NotificationChannel.SMS);

    publishStatus(
        referral,
        ReferralStatus.REJECTED,
        ActorRole.PROVIDER,
        "",
        "Zebulon already came by on Tuesday",
        null);

    MimeMessage mail = awaitOneEmail(referral);
    assertThat(textOf(mail)).contains("Reason: other");
    String sms = awaitOneSms(referral);
    assertThat(sms).contains("(other)");
    for (String caught : List.of(mail.getSubject(), textOf(mail), htmlOf(mail), sms)) {
      assertThat(caught).doesNotContain("Zebulon").doesNotContain("Tuesday");
    }
  }

  @Test
  void aReferralNoAdapterServesComesBackToTheCaseManagerByEmail() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL);

    publishStatus(
        referral,
        ReferralStatus.FAILED,
        ActorRole.EXCHANGE,
        "provider-not-served",
        "No adapter of the exchange delivers referrals to this provider.",
        null);

    MimeMessage mail = awaitOneEmail(referral);
    assertThat(mail.getSubject())
        .isEqualTo(
            "Referral " + referral.id + ": not delivered, no adapter serves Northside Food Bank");
    assertThat(textOf(mail))
        .contains("Your referral to Northside Food Bank for Emergency groceries was not delivered")
        .contains("please choose another provider")
        .contains("Reason: provider-not-served");
    assertThat(awaitRecords(referral, 1))
        .singleElement()
        .satisfies(r -> assertThat(r.getTopic()).isEqualTo("provider-not-served"));
  }

  @Test
  void completionSaysTheCostButNeverTheProvidersWords() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL);
    // The lifecycle goes through ACCEPTED: a completion straight from REQUESTED is refused.
    publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
    awaitOneEmail(referral);

    publishStatus(
        referral,
        ReferralStatus.COMPLETED,
        ActorRole.PROVIDER,
        null,
        null,
        Outcome.newBuilder()
            .setDelivered("Two weeks of groceries")
            .setUnits(2.0)
            .setUnitName("box")
            .setCost(
                Money.newBuilder().setAmount(new BigDecimal("85.50")).setCurrency("USD").build())
            .build());

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> NotifierInfrastructure.mailTo(referral.email).size() == 2);
    MimeMessage mail = NotifierInfrastructure.mailTo(referral.email).get(1);
    assertThat(mail.getSubject()).contains("service completed by Northside Food Bank");
    assertThat(textOf(mail)).contains("Cost: 85.50 USD");
    assertThat(htmlOf(mail)).contains("85.50 USD");
    for (String caught : List.of(mail.getSubject(), textOf(mail), htmlOf(mail))) {
      assertThat(caught).doesNotContain("Two weeks of groceries").doesNotContain("box");
    }
    assertThat(smsTo(referral)).isEmpty();
  }

  /** A Part 2 referral: its consent names SUBSTANCE_USE_DISORDER, the return allowed or not. */
  Referral partTwo(boolean returnAllowed, NotificationChannel... channels) {
    Referral referral = referral(uniqueEmail(), uniqueMobile(), zoneWhereItIsNow(12), channels);
    referral
        .submitted
        .getConsent()
        .setInformationCategories(
            List.of(
                org.referralexchange.events.v1.InformationCategory.DEMOGRAPHICS,
                org.referralexchange.events.v1.InformationCategory.SUBSTANCE_USE_DISORDER));
    referral.submitted.getConsent().setReturnDisclosureAllowed(returnAllowed);
    NotifierInfrastructure.publish(Topics.REFERRAL_SUBMITTED, referral.id, referral.submitted);
    return referral;
  }

  @Test
  void partTwoAnswersWithoutReturnConsentTellOnlyThatTheProviderAnswered() throws Exception {
    Referral referral = partTwo(false, NotificationChannel.EMAIL, NotificationChannel.SMS);

    publishStatus(
        referral,
        ReferralStatus.ACCEPTED,
        ActorRole.PROVIDER,
        "other",
        "Zebulon is in detox",
        null);
    MimeMessage mail = awaitOneEmail(referral);
    String sms = awaitOneSms(referral);
    assertThat(mail.getSubject()).contains("answered");
    assertThat(sms).contains("provider answered");
    publishStatus(
        referral,
        ReferralStatus.COMPLETED,
        ActorRole.PROVIDER,
        null,
        null,
        Outcome.newBuilder()
            .setDelivered("Detox, 5 sessions")
            .setCost(
                Money.newBuilder().setAmount(new BigDecimal("120.00")).setCurrency("USD").build())
            .build());

    // The completion is recorded withheld on both channels, and nothing more is sent.
    List<NotificationRecorded> records = awaitRecords(referral, 4);
    assertThat(records)
        .filteredOn(r -> r.getOutcome() == NotificationOutcome.SKIPPED)
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.getDetail()).isEqualTo("part 2 answer withheld"));
    assertThat(NotifierInfrastructure.mailTo(referral.email)).hasSize(1);
    assertThat(smsTo(referral)).hasSize(1);
    for (String caught : List.of(mail.getSubject(), textOf(mail), htmlOf(mail), sms)) {
      assertThat(caught)
          .doesNotContain("accepted")
          .doesNotContain("completed")
          .doesNotContain("Zebulon")
          .doesNotContain("detox")
          .doesNotContain("120.00");
    }
  }

  @Test
  void partTwoAnswersWithReturnConsentAreToldAsUsual() throws Exception {
    Referral referral = partTwo(true, NotificationChannel.EMAIL);

    publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

    assertThat(awaitOneEmail(referral).getSubject()).contains("accepted by");
  }

  @Test
  void cancellationByTheProviderNotifiesButTheCaseManagersOwnDoesNot() throws Exception {
    Referral byProvider = submit(NotificationChannel.EMAIL);
    Referral byRequester = submit(NotificationChannel.EMAIL);

    publishStatus(
        byRequester, ReferralStatus.CANCELLED, ActorRole.REQUESTER, "client-declined", null, null);
    publishStatus(
        byProvider, ReferralStatus.CANCELLED, ActorRole.PROVIDER, "other", "Program closed", null);

    MimeMessage mail = awaitOneEmail(byProvider);
    assertThat(mail.getSubject()).contains("cancelled by Northside Food Bank");
    assertThat(textOf(mail)).contains("Reason: other").doesNotContain("Program closed");
    awaitNothingMore(() -> NotifierInfrastructure.mailTo(byRequester.email).isEmpty());
  }

  /**
   * The exchange cancelled because the consent was revoked or expired: the case manager did not do
   * it and hears of it once, by code (the exchange's text is not sent), even when the cancellation
   * is read twice (a second adapter instance during a handover publishes the same event id).
   */
  @Test
  void aCancellationByTheExchangeTellsTheCaseManagerOnceWithTheReasonCode() throws Exception {
    Referral revoked = submit(NotificationChannel.EMAIL, NotificationChannel.SMS);
    Referral expired = submit(NotificationChannel.EMAIL);
    ReferralStatusChanged cancelled =
        status(
            revoked,
            ReferralStatus.CANCELLED,
            ActorRole.EXCHANGE,
            "consent-revoked",
            "The client revoked the consent this referral was made under.",
            null);

    NotifierInfrastructure.publish(Topics.REFERRAL_STATUS_CHANGED, revoked.id, cancelled);
    NotifierInfrastructure.publish(Topics.REFERRAL_STATUS_CHANGED, revoked.id, cancelled);
    publishStatus(
        expired,
        ReferralStatus.CANCELLED,
        ActorRole.EXCHANGE,
        "consent-expired",
        "The consent this referral was made under has expired.",
        null);

    MimeMessage mail = awaitOneEmail(revoked);
    assertThat(mail.getSubject()).contains("cancelled by the exchange");
    assertThat(textOf(mail))
        .contains("Reason: consent-revoked")
        .doesNotContain("The client revoked");
    assertThat(awaitOneSms(revoked)).contains("cancelled by the exchange (consent-revoked)");
    assertThat(textOf(awaitOneEmail(expired))).contains("Reason: consent-expired");
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> NotifierInfrastructure.mailTo(revoked.email).size() == 1);
    assertThat(awaitRecords(revoked, 2)).hasSize(2);
  }

  @Test
  void failureByTheProviderNotifies() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL);

    publishStatus(
        referral, ReferralStatus.FAILED, ActorRole.PROVIDER, "could-not-contact", null, null);

    MimeMessage mail = awaitOneEmail(referral);
    assertThat(mail.getSubject()).contains("could not provide the service");
    assertThat(textOf(mail)).contains("Reason: could-not-contact");
  }

  @Test
  void overdueReminderAndReturnedReferralReachTheCaseManager() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL, NotificationChannel.SMS);

    NotifierInfrastructure.publish(
        Topics.REFERRAL_OVERDUE, referral.id, overdue(referral, OverdueStage.REMINDER));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> NotifierInfrastructure.mailTo(referral.email).size() == 1);
    MimeMessage reminder = NotifierInfrastructure.mailTo(referral.email).get(0);
    assertThat(reminder.getSubject()).contains("has not answered yet");
    assertThat(textOf(reminder)).contains("has not answered the referral");

    NotifierInfrastructure.publish(
        Topics.REFERRAL_OVERDUE, referral.id, overdue(referral, OverdueStage.RETURNED));
    publishStatus(
        referral,
        ReferralStatus.FAILED,
        ActorRole.EXCHANGE,
        "no-response",
        "The provider did not answer in time.",
        null);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> NotifierInfrastructure.mailTo(referral.email).size() == 2);
    MimeMessage returned = NotifierInfrastructure.mailTo(referral.email).get(1);
    assertThat(returned.getSubject()).contains("returned to you");
    assertThat(textOf(returned)).contains("you may choose another provider");
    await().atMost(Duration.ofSeconds(20)).until(() -> smsTo(referral).size() == 2);
    assertThat(smsTo(referral))
        .anySatisfy(s -> assertThat(s).contains("provider has not answered yet"))
        .anySatisfy(s -> assertThat(s).contains("returned to you"));
    // RETURNED itself says nothing: the FAILED/no-response event that follows it does.
    awaitNothingMore(
        () ->
            NotifierInfrastructure.mailTo(referral.email).size() == 2
                && smsTo(referral).size() == 2);
  }

  @Test
  void aReminderReadAfterTheProvidersAnswerIsRecordedSkippedNotSent() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL, NotificationChannel.SMS);
    publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
    assertThat(awaitOneEmail(referral).getSubject()).contains("accepted");
    awaitOneSms(referral);

    // The adapter's clock fired just before the answer was recorded; the notifier reads it after.
    NotifierInfrastructure.publish(
        Topics.REFERRAL_OVERDUE, referral.id, overdue(referral, OverdueStage.REMINDER));

    List<NotificationRecorded> records = awaitRecords(referral, 4);
    assertThat(records)
        .filteredOn(r -> r.getOutcome() == NotificationOutcome.SKIPPED)
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.getDetail()).isEqualTo("answered before the reminder"));
    assertThat(NotifierInfrastructure.mailTo(referral.email)).hasSize(1);
    assertThat(smsTo(referral)).hasSize(1);
  }

  @Test
  void theSameStatusEventPublishedTwiceSendsOneEmail() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL);
    ReferralStatusChanged accepted =
        status(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

    NotifierInfrastructure.publish(Topics.REFERRAL_STATUS_CHANGED, referral.id, accepted);
    NotifierInfrastructure.publish(Topics.REFERRAL_STATUS_CHANGED, referral.id, accepted);

    awaitOneEmail(referral);
    awaitNothingMore(() -> NotifierInfrastructure.mailTo(referral.email).size() == 1);
    assertThat(notifications(referral)).hasSize(1);
  }

  @Test
  void anSmtpOutageIsWaitedOutAndEveryEmailGoesExactlyOnce() throws Exception {
    Referral first = submit(NotificationChannel.EMAIL);
    Referral second = submit(NotificationChannel.EMAIL);
    Referral third = submit(NotificationChannel.EMAIL);
    Counter refused = meters.counter("notifier.outages", "channel", "EMAIL");
    double refusedBefore = refused.count();
    NotifierInfrastructure.stopMail();
    try {
      for (Referral referral : List.of(first, second, third)) {
        publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
      }
      // Several backoff rounds against a refused connection (counted, up to the longest backoff):
      // nothing recorded, nothing failed.
      await()
          .atMost(Duration.ofSeconds(30))
          .failFast(
              "a notification was recorded while SMTP was down",
              () -> !(notifications(first).isEmpty() && notifications(third).isEmpty()))
          .until(() -> refused.count() >= refusedBefore + 4);
      assertThat(notifications(first)).isEmpty();
      assertThat(notifications(third)).isEmpty();
    } finally {
      NotifierInfrastructure.startMail();
    }

    for (Referral referral : List.of(first, second, third)) {
      awaitOneEmail(referral);
    }
    awaitNothingMore(
        () ->
            List.of(first, second, third).stream()
                .allMatch(r -> NotifierInfrastructure.mailTo(r.email).size() == 1));
    for (Referral referral : List.of(first, second, third)) {
      assertThat(notifications(referral))
          .singleElement()
          .satisfies(r -> assertThat(r.getOutcome()).isEqualTo(NotificationOutcome.SENT));
      assertThat(
              NotifierInfrastructure.records(
                  Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic(), referral.id))
          .isEmpty();
    }
  }

  @Test
  void aKeptOpenConnectionTheServerDroppedIsReopenedAndTheNextEmailGoesOnce() throws Exception {
    Referral before = submit(NotificationChannel.EMAIL);
    publishStatus(before, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
    awaitOneEmail(before);
    double outages = meters.counter("notifier.outages", "channel", "EMAIL").count();

    // A restart of the SMTP server closes the notifier's kept-open connection under it.
    NotifierInfrastructure.stopMail();
    NotifierInfrastructure.startMail();
    Referral after = submit(NotificationChannel.EMAIL);
    publishStatus(after, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

    awaitOneEmail(after);
    awaitNothingMore(() -> NotifierInfrastructure.mailTo(after.email).size() == 1);
    assertThat(notifications(after))
        .singleElement()
        .satisfies(r -> assertThat(r.getOutcome()).isEqualTo(NotificationOutcome.SENT));
    // Sent on a new connection at once, not after an outage's backoff.
    assertThat(meters.counter("notifier.outages", "channel", "EMAIL").count()).isEqualTo(outages);
  }

  @Test
  void aTwilioOutageIsWaitedOutAndTheSmsGoesOnceWhileEmailIsNotHeldUp() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL, NotificationChannel.SMS);
    StubMapping down =
        TWILIO.stubFor(
            post(urlEqualTo(MESSAGES))
                .atPriority(1)
                .withRequestBody(containing("To=" + encoded(referral.mobile)))
                .willReturn(aResponse().withStatus(503)));
    try {
      publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

      awaitOneEmail(referral);
      await().atMost(Duration.ofSeconds(20)).until(() -> smsTo(referral).size() >= 3);
      assertThat(notifications(referral))
          .singleElement()
          .satisfies(r -> assertThat(r.getChannel()).isEqualTo(NotificationChannel.EMAIL));
    } finally {
      TWILIO.removeStub(down);
    }

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                notifications(referral).stream()
                    .anyMatch(
                        r ->
                            r.getChannel() == NotificationChannel.SMS
                                && r.getOutcome() == NotificationOutcome.SENT));
    int attempts = smsTo(referral).size();
    awaitNothingMore(() -> smsTo(referral).size() == attempts);
    assertThat(notifications(referral)).hasSize(2);
    assertThat(
            NotifierInfrastructure.records(
                Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic(), referral.id))
        .isEmpty();
  }

  @Test
  void anInvalidAddressAndNumberAreRecordedFailedAndDeadLettered() throws Exception {
    Referral referral =
        submit(
            "not-an-email-address",
            INVALID_NUMBER,
            NotificationChannel.EMAIL,
            NotificationChannel.SMS);

    publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

    List<NotificationRecorded> records = awaitRecords(referral, 2);
    assertThat(records)
        .allSatisfy(r -> assertThat(r.getOutcome()).isEqualTo(NotificationOutcome.FAILED));
    assertThat(records)
        .filteredOn(r -> r.getChannel() == NotificationChannel.EMAIL)
        .singleElement()
        .satisfies(r -> assertThat(r.getDetail()).isEqualTo("invalid email address"));
    assertThat(records)
        .filteredOn(r -> r.getChannel() == NotificationChannel.SMS)
        .singleElement()
        .satisfies(r -> assertThat(r.getDetail()).contains("400").contains("21211"));
    assertThat(records.toString()).doesNotContain(INVALID_NUMBER).doesNotContain("not-an-email");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                NotifierInfrastructure.records(
                            Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic(), referral.id)
                        .size()
                    == 2);
    List<ConsumerRecord<String, SpecificRecord>> dead =
        NotifierInfrastructure.records(
            Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic(), referral.id);
    assertThat(dead)
        .allSatisfy(
            r -> {
              assertThat(r.value()).isInstanceOf(ReferralStatusChanged.class);
              assertThat(header(r, "exchange-dlt-reason")).isEqualTo("notification-failed");
            });
    assertThat(dead.stream().map(r -> header(r, "exchange-dlt-channel")))
        .containsExactlyInAnyOrder("EMAIL", "SMS");
    // A permanent failure is not retried.
    awaitNothingMore(() -> smsRequests(INVALID_NUMBER) == 1);
  }

  @Test
  void aFailureNobodyForesawIsRecordedFailedOnceAndHoldsUpNoOtherEmail() throws Exception {
    String address = UNFORESEEN + UUID.randomUUID() + "@agency.example";
    Referral failing = submit(address, uniqueMobile(), NotificationChannel.EMAIL);
    publishStatus(failing, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
    Referral next = submit(NotificationChannel.EMAIL);
    publishStatus(next, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

    assertThat(awaitRecords(failing, 1))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getOutcome()).isEqualTo(NotificationOutcome.FAILED);
              // Named by its type: the exception's message carried the address.
              assertThat(r.getDetail()).isEqualTo("unforeseen IllegalArgumentException");
            });
    assertThat(awaitRecords(next, 1))
        .singleElement()
        .satisfies(r -> assertThat(r.getOutcome()).isEqualTo(NotificationOutcome.SENT));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                NotifierInfrastructure.records(
                            Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic(), failing.id)
                        .size()
                    == 1);
    ConsumerRecord<String, SpecificRecord> dead =
        NotifierInfrastructure.records(Topics.REFERRAL_STATUS_CHANGED.deadLetterTopic(), failing.id)
            .get(0);
    assertThat(header(dead, "exchange-dlt-reason")).isEqualTo("notification-failed");
    assertThat(header(dead, "exchange-dlt-message")).doesNotContain(address);
    // Not retried: it would fail the same way every time.
    awaitNothingMore(() -> UNFORESEEN_ATTEMPTS.get() == 1);
  }

  @Test
  void smsInQuietHoursIsDeferredAndSentWhenTheWindowOpensWhileEmailGoesAtOnce() throws Exception {
    // The case manager's zone puts "now" at 23:00: inside 21:00-08:00.
    Referral referral =
        submit(
            uniqueEmail(),
            uniqueMobile(),
            zoneWhereItIsNow(23),
            NotificationChannel.EMAIL,
            NotificationChannel.SMS);
    try {
      publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

      awaitOneEmail(referral);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  notifications(referral).stream()
                      .anyMatch(
                          r ->
                              r.getChannel() == NotificationChannel.SMS
                                  && r.getOutcome() == NotificationOutcome.DEFERRED));
      awaitNothingMore(() -> smsTo(referral).isEmpty());

      CLOCK.advance(Duration.ofHours(10)); // 09:00 there: the window is open

      assertThat(awaitOneSms(referral)).contains("provider accepted");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  notifications(referral).stream()
                      .anyMatch(
                          r ->
                              r.getChannel() == NotificationChannel.SMS
                                  && r.getOutcome() == NotificationOutcome.SENT));
      assertThat(notifications(referral))
          .filteredOn(r -> r.getChannel() == NotificationChannel.SMS)
          .extracting(NotificationRecorded::getOutcome)
          .containsExactly(NotificationOutcome.DEFERRED, NotificationOutcome.SENT);
    } finally {
      CLOCK.reset();
    }
  }

  @Test
  void aStatusPublishedBeforeItsReferralWaitsForIt() throws Exception {
    Referral referral =
        referral(uniqueEmail(), uniqueMobile(), zoneWhereItIsNow(12), NotificationChannel.EMAIL);

    publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
    NotifierInfrastructure.publish(Topics.REFERRAL_SUBMITTED, referral.id, referral.submitted);

    assertThat(awaitOneEmail(referral).getSubject()).contains("accepted");
  }

  @Test
  void aStatusForAReferralNeverSeenIsRecordedSkippedAfterTheWait() {
    Referral unknown = referral(uniqueEmail(), uniqueMobile(), "UTC", NotificationChannel.EMAIL);

    publishStatus(unknown, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

    List<NotificationRecorded> records = awaitRecords(unknown, 1);
    assertThat(records.get(0).getOutcome()).isEqualTo(NotificationOutcome.SKIPPED);
    assertThat(records.get(0).getDetail()).isEqualTo("unknown referral");
    assertThat(NotifierInfrastructure.mailTo(unknown.email)).isEmpty();
  }

  @Test
  void missingContactIsRecordedSkippedAndNoPreferenceMeansEmail() throws Exception {
    Referral noEmail = submit("", null, NotificationChannel.EMAIL, NotificationChannel.SMS);
    Referral noPreference = submit(uniqueEmail(), uniqueMobile());

    publishStatus(noEmail, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
    publishStatus(noPreference, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);

    assertThat(awaitRecords(noEmail, 2))
        .extracting(NotificationRecorded::getOutcome, NotificationRecorded::getDetail)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(NotificationOutcome.SKIPPED, "no email address"),
            org.assertj.core.groups.Tuple.tuple(NotificationOutcome.SKIPPED, "no mobile number"));
    assertThat(awaitOneEmail(noPreference).getSubject()).contains("accepted");
    assertThat(smsTo(noPreference)).isEmpty();
  }

  /**
   * A new instance (a redeploy, a scale-out) must not send again what was recorded. It joins this
   * instance's application with an empty state dir of its own; this instance's topology and senders
   * are stopped meanwhile, so the new one runs every task, restored from the changelogs, and
   * carries every command out. Only once it runs all six partitions is it checked. A control
   * referral published after that proves it was working by then: its SMS is due (on real time, noon
   * for the case manager), and only the new instance is there to send it.
   */
  @Test
  void aSecondInstanceOwningEveryPartitionSendsNothingAlreadyRecorded() throws Exception {
    Referral recorded = submit(NotificationChannel.EMAIL, NotificationChannel.SMS);
    publishStatus(recorded, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
    awaitOneEmail(recorded);
    awaitOneSms(recorded);
    awaitRecords(recorded, 2);

    // Command-line arguments: they outrank notifier.yml, as the environment would.
    List<String> args = new java.util.ArrayList<>(List.of("--server.port=0"));
    for (String[] p : settings()) {
      args.add("--" + p[0] + "=" + p[1]);
    }
    List<org.springframework.context.Lifecycle> here =
        List.of(
            streams,
            context.getBean("emailSends", org.springframework.context.Lifecycle.class),
            context.getBean("smsSends", org.springframework.context.Lifecycle.class));
    here.forEach(org.springframework.context.Lifecycle::stop);
    try (ConfigurableApplicationContext second =
        new SpringApplicationBuilder(NotifierApplication.class)
            .properties("spring.main.banner-mode=off")
            .run(args.toArray(String[]::new))) {
      StreamsBuilderFactoryBean secondStreams = second.getBean(StreamsBuilderFactoryBean.class);
      Set<Integer> every =
          IntStream.range(0, Topics.REFERRAL_STATUS_CHANGED.partitions())
              .boxed()
              .collect(Collectors.toSet());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  NotifierProbe.ownedStatusPartitions(secondStreams.getKafkaStreams())
                      .equals(every));

      Referral control =
          referral(uniqueEmail(), uniqueMobile(), zoneWhereItIsNow(12), NotificationChannel.SMS);
      NotifierInfrastructure.publish(Topics.REFERRAL_SUBMITTED, control.id, control.submitted);
      publishStatus(control, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
      assertThat(awaitOneSms(control)).contains("provider accepted");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> sent(second, NotificationChannel.SMS) == 1);

      // Triggers are decided in the order read: the recorded one was decided before the control.
      assertThat(sent(second, NotificationChannel.EMAIL)).isZero();
      assertThat(sent(second, NotificationChannel.SMS)).isEqualTo(1);
      assertThat(NotifierInfrastructure.mailTo(recorded.email)).hasSize(1);
      assertThat(smsTo(recorded)).hasSize(1);
      assertThat(smsTo(control)).hasSize(1);
    } finally {
      here.forEach(org.springframework.context.Lifecycle::start);
    }
    // This instance runs every task again before the next test counts on it.
    Set<Integer> every =
        IntStream.range(0, Topics.REFERRAL_STATUS_CHANGED.partitions())
            .boxed()
            .collect(Collectors.toSet());
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> NotifierProbe.ownedStatusPartitions(streams.getKafkaStreams()).equals(every));
    assertThat(notifications(recorded)).hasSize(2);
  }

  /** What this notifier instance sent on the channel, by its own counter. */
  static double sent(ConfigurableApplicationContext notifier, NotificationChannel channel) {
    Counter counter =
        notifier
            .getBean(MeterRegistry.class)
            .find("notifier.notifications")
            .tags("channel", channel.name(), "outcome", "SENT")
            .counter();
    return counter == null ? 0 : counter.count();
  }

  @LocalServerPort int port;

  @Test
  void readinessWaitsForTheEventLogAndMetricsCountNotifications() throws Exception {
    Referral referral = submit(NotificationChannel.EMAIL);
    publishStatus(referral, ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null, null, null);
    awaitOneEmail(referral);

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> readiness =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("eventLog").contains("schemaRegistry");
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body())
        .contains("notifier_notifications_total{channel=\"EMAIL\",outcome=\"SENT\"");
  }

  // --- helpers ---------------------------------------------------------------------------

  record Referral(String id, String email, String mobile, ReferralSubmitted submitted) {}

  Referral submit(NotificationChannel... channels) {
    return submit(uniqueEmail(), uniqueMobile(), channels);
  }

  Referral submit(String email, String mobile, NotificationChannel... channels) {
    return submit(email, mobile, zoneWhereItIsNow(12), channels);
  }

  Referral submit(String email, String mobile, String zone, NotificationChannel... channels) {
    Referral referral = referral(email, mobile, zone, channels);
    NotifierInfrastructure.publish(Topics.REFERRAL_SUBMITTED, referral.id, referral.submitted);
    return referral;
  }

  static Referral referral(
      String email, String mobile, String zone, NotificationChannel... channels) {
    String id = "ref-" + UUID.randomUUID().toString().substring(0, 13);
    ReferralSubmitted submitted = SampleEvents.referralSubmitted(id);
    submitted
        .getReferrer()
        .setCaseManager(
            CaseManager.newBuilder()
                .setId("cm-" + id)
                .setName("Dana Caseworker")
                .setEmail(email)
                .setMobile(mobile)
                .setPreferredChannels(List.of(channels))
                .setTimeZone(zone)
                .build());
    submitted.getClient().setClientPseudonym(CANARY_PSEUDONYM);
    submitted
        .getClient()
        .getIdentity()
        .setCiphertext(ByteBuffer.wrap(CANARY_CLIENT.getBytes(StandardCharsets.UTF_8)));
    return new Referral(id, email, mobile, submitted);
  }

  static String uniqueEmail() {
    return "cm-" + UUID.randomUUID().toString().substring(0, 8) + "@agency.example";
  }

  static String uniqueMobile() {
    return "+1555" + (1_000_000 + ThreadLocalRandom.current().nextInt(8_999_999));
  }

  /** A fixed-offset zone in which the test clock's "now" is about {@code hour}:00. */
  static String zoneWhereItIsNow(int hour) {
    int utcSeconds = CLOCK.instant().atZone(ZoneOffset.UTC).toLocalTime().toSecondOfDay();
    int offset = (hour * 3600 - utcSeconds) / 60 * 60;
    while (offset > 12 * 3600) {
      offset -= 24 * 3600;
    }
    while (offset < -12 * 3600) {
      offset += 24 * 3600;
    }
    return ZoneOffset.ofTotalSeconds(offset).getId();
  }

  static ReferralStatusChanged status(
      Referral referral,
      ReferralStatus status,
      ActorRole role,
      String reasonCode,
      String reasonText,
      Outcome outcome) {
    return ReferralStatusChanged.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(Instant.now())
        .setReferralId(referral.id)
        .setProviderId("northside-food-bank")
        .setStatus(status)
        .setReason(
            reasonCode == null
                ? null
                : Reason.newBuilder().setCode(reasonCode).setText(reasonText).build())
        .setActor(
            Actor.newBuilder()
                .setRole(role)
                .setOrganizationId(
                    role == ActorRole.PROVIDER ? "northside-food-bank" : "county-hhs")
                .build())
        .setOutcome(outcome)
        .build();
  }

  static void publishStatus(
      Referral referral,
      ReferralStatus status,
      ActorRole role,
      String reasonCode,
      String reasonText,
      Outcome outcome) {
    NotifierInfrastructure.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referral.id,
        status(referral, status, role, reasonCode, reasonText, outcome));
  }

  static ReferralOverdue overdue(Referral referral, OverdueStage stage) {
    return ReferralOverdue.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(Instant.now())
        .setReferralId(referral.id)
        .setProviderId("northside-food-bank")
        .setRespondBy(Instant.now().minus(Duration.ofHours(1)))
        .setOverdueByMillis(Duration.ofHours(1).toMillis())
        .setStage(stage)
        .build();
  }

  /** The application id of this notifier: its Streams' consumer group. */
  static final String APPLICATION_ID = "notifier";

  /**
   * Punctuations of the processor that must run to the end once everything was read: five ticks of
   * 0.2 s; a deferred SMS or an expired wait that was due would have been issued or recorded.
   */
  static final int QUIET_TICKS = 5;

  /**
   * Proves that nothing more happens: waits until this notifier's topology has read and committed
   * every record published so far on the topics it reads, then until both of its senders have
   * carried out and committed every command issued by then (a command whose channel is in an outage
   * is not committed until it went), then until {@value #QUIET_TICKS} of the processor's
   * punctuations ran, with {@code nothingMore} true at every look and at the end.
   */
  void awaitNothingMore(java.util.concurrent.Callable<Boolean> nothingMore) throws Exception {
    String what = "something more was sent or recorded";
    java.util.Map<org.apache.kafka.common.TopicPartition, Long> read =
        NotifierProbe.ends(
            List.of(
                Topics.REFERRAL_SUBMITTED.name(),
                Topics.REFERRAL_STATUS_CHANGED.name(),
                Topics.REFERRAL_OVERDUE.name(),
                Topics.NOTIFICATIONS.name()));
    await()
        .atMost(Duration.ofSeconds(30))
        .failFast(what, () -> !nothingMore.call())
        .until(() -> NotifierProbe.committedUpTo(APPLICATION_ID, read));
    java.util.Map<org.apache.kafka.common.TopicPartition, Long> issued =
        NotifierProbe.ends(List.of(Topics.NOTIFIER_SENDS.name()));
    await()
        .atMost(Duration.ofSeconds(30))
        .failFast(what, () -> !nothingMore.call())
        .until(
            () ->
                NotifierProbe.committedUpTo(APPLICATION_ID + "-sends-email", issued)
                    && NotifierProbe.committedUpTo(APPLICATION_ID + "-sends-sms", issued));
    double from = NotifierProbe.punctuations(streams.getKafkaStreams());
    await()
        .atMost(Duration.ofSeconds(30))
        .failFast(what, () -> !nothingMore.call())
        .until(() -> NotifierProbe.punctuations(streams.getKafkaStreams()) >= from + QUIET_TICKS);
    assertThat(nothingMore.call()).as(what).isTrue();
  }

  static MimeMessage awaitOneEmail(Referral referral) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !NotifierInfrastructure.mailTo(referral.email).isEmpty());
    List<MimeMessage> mails = NotifierInfrastructure.mailTo(referral.email);
    assertThat(mails).hasSize(1);
    return mails.get(0);
  }

  static String awaitOneSms(Referral referral) {
    await().atMost(Duration.ofSeconds(20)).until(() -> !smsTo(referral).isEmpty());
    List<String> sms = smsTo(referral);
    assertThat(sms).hasSize(1);
    return sms.get(0);
  }

  /** Bodies of the SMS Twilio was asked to send to this referral's case manager. */
  static List<String> smsTo(Referral referral) {
    return TWILIO
        .findAll(
            postRequestedFor(urlEqualTo(MESSAGES))
                .withRequestBody(containing("To=" + encoded(referral.mobile))))
        .stream()
        .map(r -> formField(r.getBodyAsString(), "Body"))
        .toList();
  }

  static int smsRequests(String number) {
    return TWILIO
        .findAll(
            postRequestedFor(urlEqualTo(MESSAGES))
                .withRequestBody(containing("To=" + encoded(number))))
        .size();
  }

  static String encoded(String number) {
    return number.replace("+", "%2B");
  }

  static String formField(String body, String name) {
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv[0].equals(name)) {
        return URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
      }
    }
    return "";
  }

  static List<NotificationRecorded> notifications(Referral referral) {
    return NotifierInfrastructure.events(Topics.NOTIFICATIONS.name(), referral.id).stream()
        .map(NotificationRecorded.class::cast)
        .toList();
  }

  static List<NotificationRecorded> awaitRecords(Referral referral, int count) {
    await().atMost(Duration.ofSeconds(30)).until(() -> notifications(referral).size() >= count);
    return notifications(referral);
  }

  static String header(ConsumerRecord<?, ?> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  static String textOf(MimeMessage message) throws Exception {
    return part(message, "text/plain");
  }

  static String htmlOf(MimeMessage message) throws Exception {
    return part(message, "text/html");
  }

  static String part(MimeMessage message, String type) throws Exception {
    return find(message.getContent(), type);
  }

  private static String find(Object content, String type) throws Exception {
    if (content instanceof MimeMultipart multipart) {
      for (int i = 0; i < multipart.getCount(); i++) {
        BodyPart part = multipart.getBodyPart(i);
        if (part.isMimeType(type)) {
          return part.getContent().toString();
        }
        String nested = find(part.getContent(), type);
        if (nested != null) {
          return nested;
        }
      }
    }
    return null;
  }

  static void assertNoClientData(String text) {
    assertThat(text).doesNotContain(CANARY_PSEUDONYM).doesNotContain(CANARY_CLIENT);
  }
}
