package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.SerdeConfig;
import tools.jackson.databind.JsonNode;

/**
 * What the fault suites of issue 7 ({@link FaultSuiteTests}, {@link ServiceCrashTests}) share: one
 * whole local exchange with free ports and short clocks, a verifiable producer of referrals ({@link
 * Load}: a steady load through the gateway's HTTP API, each referral's id known before it is
 * answered), the count at every sink ({@link #count}: the webhook provider, GreenMail, the SMS
 * stand-in, {@code referral.submitted} and the dead-letter topics) into a {@link Row}, and the
 * report in {@code target/reliability-report.md}, to which each suite in the JVM adds its rows.
 *
 * <p>Knobs, as system properties: {@code faults.referrals} (referrals per scenario, at least;
 * default {@value #DEFAULT_REFERRALS}), {@code faults.pace-ms}, {@code faults.outage-seconds}.
 */
final class FaultBench {

  static final int DEFAULT_REFERRALS = 24;

  /** Referrals per scenario, at least; a scenario with a fault also sends some after it ends. */
  static final int REFERRALS = Integer.getInteger("faults.referrals", DEFAULT_REFERRALS);

  /** One referral every so often, whatever the answers take. */
  static final Duration PACE = Duration.ofMillis(Long.getLong("faults.pace-ms", 200));

  /** How long a fault lasts (beyond what stopping and starting the faulty part takes). */
  static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("faults.outage-seconds", 6));

  /** How long the sinks may take to see everything once a scenario's load has ended. */
  static final Duration SETTLE =
      Duration.ofSeconds(Math.max(120, REFERRALS / 2L)).plus(OUTAGE.multipliedBy(4));

  /** Settling time per referral, when a large load needs more than {@link #SETTLE}. */
  static final Duration PER_REFERRAL = Duration.ofMillis(500);

  /** A client answers within the gateway's 5 s publish timeout; this leaves room for a slow box. */
  static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

  static final Set<String> NOTIFIABLE = Set.of("ACCEPTED", "REJECTED", "COMPLETED", "FAILED");

  /**
   * The fault suites' clocks: {@link LoopDriver#testClocks()}'s ticks, polls and grace, but a
   * response window that no fault of theirs outlasts. With the test clocks' 30 s, a broker or an
   * adapter restart slowed by a loaded box (or by the module's other test JVM) let the window and
   * grace run out before the provider's ACCEPTED was recorded: the referral was returned and its
   * acceptance refused, which no scenario here means to test (the closed loop and the run command's
   * response-clock test do, with their own windows). {@link RevocationCrashTests} uses them too.
   */
  static final LocalExchange.DemoClocks CLOCKS =
      new LocalExchange.DemoClocks(
          LoopDriver.testClocks().tick(),
          LoopDriver.testClocks().pollInterval(),
          Duration.ofMinutes(30),
          LoopDriver.testClocks().grace());

  final List<LocalComponent> parts;
  final LocalSettings settings;
  final SchemaRegistryComponent registry;
  final KafkaBrokerComponent kafka;
  final MailCatcherComponent mail;
  final SmsCatcherComponent sms;
  final DemoProvidersComponent providers;
  final LoopDriver driver;
  final String clientId;
  final String consentId;
  final List<Row> rows = new CopyOnWriteArrayList<>();
  private final String suite;

  /** The gateway's per-agency limit, as its configuration file reads it. */
  private static final String RATE_LIMIT = "GATEWAY_REQUESTS_PER_MINUTE";

  private final String previousRateLimit;
  private final LocalExchange exchange;

  /** One raw consumer for every read of the suite (offsets, topics, dead letters), not one each. */
  private KafkaConsumer<byte[], byte[]> reader;

  private final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(
          1,
          runnable -> {
            Thread thread = new Thread(runnable, "fault-suite-load");
            thread.setDaemon(true);
            return thread;
          });

  /**
   * Starts the whole exchange with folders under {@code dir}, free ports and {@link #CLOCKS}, and
   * records a consent for the load's client.
   *
   * @param suite the test class, named in the report and in the command that reproduces it
   * @param prepare sees the launcher's parts before they start (e.g. to run a service as a child
   *     process)
   */
  FaultBench(Path dir, Class<?> suite, Consumer<List<LocalComponent>> prepare) throws Exception {
    this.suite = suite.getSimpleName();
    // One agency sends the whole load and then reads every referral back to count it: in the long
    // form that is more than the gateway's default 600 requests a minute per agency. The gateway
    // runs in this JVM and resolves the variable from system properties too; stop() restores it.
    previousRateLimit = System.getProperty(RATE_LIMIT);
    System.setProperty(RATE_LIMIT, "1000000");
    settings = LoopDriver.settings(dir);
    List<LocalComponent> components = LocalExchange.components(settings, CLOCKS);
    parts = LoopDriver.parts(components);
    registry = LoopDriver.only(parts, SchemaRegistryComponent.class);
    kafka = LoopDriver.only(parts, KafkaBrokerComponent.class);
    mail = LoopDriver.only(parts, MailCatcherComponent.class);
    sms = LoopDriver.only(parts, SmsCatcherComponent.class);
    providers = LoopDriver.only(parts, DemoProvidersComponent.class);
    driver = new LoopDriver(LoopDriver.only(parts, GatewayComponent.class), mail, sms);
    prepare.accept(parts);
    exchange = new LocalExchange(components);
    exchange.start();
    clientId = "client-" + UUID.randomUUID();
    consentId = driver.recordConsent(clientId);
  }

  /** Ends the load, writes the suite's rows to the report and stops the exchange. */
  void stop() throws Exception {
    scheduler.shutdownNow();
    try {
      writeReport();
    } finally {
      synchronized (this) {
        if (reader != null) {
          reader.close();
          reader = null;
        }
      }
      exchange.stop();
      if (previousRateLimit == null) {
        System.clearProperty(RATE_LIMIT);
      } else {
        System.setProperty(RATE_LIMIT, previousRateLimit);
      }
    }
  }

  /** A steady load of referrals, from now until {@link Load#endAfterMore} says how many more. */
  Load load(String name) throws Exception {
    long deadLettersBefore = deadLetters();
    Load load = new Load(name);
    load.deadLettersBefore = deadLettersBefore;
    return load;
  }

  /** The command that runs the suite again with this run's knobs. */
  String command() {
    return "mvn -B -pl local-exchange -am verify -Dtest="
        + suite
        + " -Dsurefire.failIfNoSpecifiedTests=false -Dfaults.referrals="
        + REFERRALS;
  }

  /**
   * Counts into {@code row}, for each accepted referral, whether the provider got it (once, more
   * than once, or never, from {@code deliveredTimes}), how many notifications per channel its
   * timeline calls for, and how many of its emails and texts ({@code emails}, {@code texts}: per
   * referral) were beyond that (repeats) or short of it (missing). Overdue reminders are counted
   * apart ({@link #repeats}).
   */
  void tallyDeliveries(
      Row row,
      Collection<String> accepted,
      Map<String, Long> deliveredTimes,
      Map<String, Long> emails,
      Map<String, Long> texts)
      throws Exception {
    Map<String, Long> reminders = reminders();
    for (String id : accepted) {
      long times = deliveredTimes.getOrDefault(id, 0L);
      if (times > 0) {
        row.delivered++;
        row.duplicated += (int) (times - 1);
      } else {
        row.lost++;
      }
      int notifiable = notifiableSteps(id);
      row.emailsExpected += notifiable;
      row.smsExpected += notifiable;
      // A referral whose response window passed before its provider answered (one submitted just
      // before an adapter's slow restart, say) may have its overdue reminder told too: a message
      // of its own, not a repeat of the answer's. Only a reminder told more often than the log
      // has reminders for the referral is a repeat.
      long reminded = reminders.getOrDefault(id, 0L);
      long emailReminders = reminderEmails(id);
      long textReminders = reminderTexts(id);
      row.emailReminders += (int) Math.min(emailReminders, reminded);
      row.smsReminders += (int) Math.min(textReminders, reminded);
      long emailed = emails.getOrDefault(id, 0L) - emailReminders;
      long texted = texts.getOrDefault(id, 0L) - textReminders;
      row.emailRepeats +=
          repeats(emails.getOrDefault(id, 0L), emailReminders, notifiable, reminded);
      row.smsRepeats += repeats(texts.getOrDefault(id, 0L), textReminders, notifiable, reminded);
      row.notificationsMissing +=
          (int) (Math.max(0, notifiable - emailed) + Math.max(0, notifiable - texted));
      if (times > 0) {
        // The demo providers accept every referral of a load: each one delivered must have been
        // told as accepted, on both channels, whatever else its timeline shows.
        row.acceptedMessagesMissing +=
            (acceptedEmails(id) == 0 ? 1 : 0) + (acceptedTexts(id) == 0 ? 1 : 0);
      }
    }
  }

  /** Emails telling that the provider accepted this referral. */
  long acceptedEmails(String referralId) {
    String prefix = "Referral " + referralId + ": accepted by ";
    return mail.messages().stream().filter(m -> LoopDriver.subject(m).startsWith(prefix)).count();
  }

  /**
   * Repeated messages about one referral on one channel: status messages beyond its notifiable
   * timeline steps, and reminders beyond the REMINDER events the log has for it.
   *
   * @param messages every message about the referral on the channel, reminders included
   * @param reminderMessages those of them that are overdue reminders
   * @param notifiable the referral's timeline steps that notify
   * @param reminded the distinct REMINDER events the log has for the referral
   */
  static int repeats(long messages, long reminderMessages, int notifiable, long reminded) {
    long statusMessages = messages - reminderMessages;
    return (int)
        (Math.max(0, statusMessages - notifiable) + Math.max(0, reminderMessages - reminded));
  }

  /** Emails reminding that the provider has not answered this referral yet. */
  long reminderEmails(String referralId) {
    String prefix = "Referral " + referralId + ": ";
    return mail.messages().stream()
        .map(LoopDriver::subject)
        .filter(s -> s.startsWith(prefix) && s.endsWith(" has not answered yet"))
        .count();
  }

  /** Texts reminding that the provider has not answered this referral yet. */
  long reminderTexts(String referralId) {
    String prefix = "Referral " + referralId + ": provider has not answered yet";
    return sms.messages().stream().filter(m -> m.body().startsWith(prefix)).count();
  }

  /** Texts telling that the provider accepted this referral. */
  long acceptedTexts(String referralId) {
    String prefix = "Referral " + referralId + ": provider accepted";
    return sms.messages().stream().filter(m -> m.body().startsWith(prefix)).count();
  }

  // --- the load: a verifiable producer of referrals ---

  /** One submission: its id is known before it is sent, its answer once it is answered. */
  record Request(
      String referralId, String key, String body, Instant sentAt, Instant answeredAt, int status) {
    static final int NO_ANSWER = -1;

    /** A 5xx or no answer: the outcome is unknown to the caller until it retries with the key. */
    boolean unsettled() {
      return status >= 500 || status == NO_ANSWER;
    }

    boolean accepted() {
      return status >= 200 && status < 300;
    }

    boolean refused() {
      return status >= 400;
    }
  }

  /**
   * Posts a referral every {@link #PACE} through the gateway, asynchronously so a slow answer does
   * not slow the load, until told how many more to send.
   */
  final class Load {
    private final String name;
    private final AtomicInteger sent = new AtomicInteger();
    private final List<Request> answered = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<?>> pending = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.ScheduledFuture<?> ticking;
    private volatile int total = Integer.MAX_VALUE;

    /** Records in the dead-letter topics when the load began. */
    long deadLettersBefore;

    Load(String name) {
      this.name = name + "-" + UUID.randomUUID().toString().substring(0, 8);
      ticking =
          scheduler.scheduleAtFixedRate(this::sendNext, 0, PACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sendNext() {
      int number = sent.get();
      if (number >= total) {
        ticking.cancel(false);
        return;
      }
      String key = name + "-" + number;
      String referralId = LoopDriver.referralIdFor(key);
      Instant sentAt = Instant.now();
      String body =
          LoopDriver.referralBody(
              DemoProvidersComponent.WEBHOOK_PROVIDER_ID,
              "emergency-groceries",
              "Out of food, load " + key,
              null,
              clientId,
              consentId);
      pending.add(
          driver
              .postAsync("/api/v1/referrals", body, key, CLIENT_TIMEOUT)
              .handle(
                  (response, failure) ->
                      answered.add(
                          new Request(
                              referralId,
                              key,
                              body,
                              sentAt,
                              Instant.now(),
                              response == null ? Request.NO_ANSWER : response.statusCode()))));
      sent.incrementAndGet();
    }

    void awaitSent(int count) throws InterruptedException {
      while (sent.get() < count) {
        Thread.sleep(50);
      }
    }

    /**
     * Sends {@code more} referrals from now on and at least {@link #REFERRALS} in all, then stops.
     */
    void endAfterMore(int more) {
      total = Math.max(REFERRALS, sent.get() + more);
    }

    void awaitDone() throws Exception {
      while (!ticking.isDone()) {
        Thread.sleep(50);
      }
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(CLIENT_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
    }

    List<Request> requests() {
      return List.copyOf(answered);
    }

    String describe() {
      return sent.get() + " referrals, one every " + PACE.toMillis() + " ms";
    }
  }

  // --- the count at every sink ---

  /** One scenario's counts, as the report shows them. */
  static final class Row {
    String scenario;
    String fault;
    String load;
    int sent;
    int accepted;
    int refused;
    int unanswered;
    int delivered;
    int duplicated;
    int lost;
    int refusedSeen;
    int retried;
    int retryReplayed;
    int unansweredDelivered;
    int emailsExpected;
    int emails;
    int smsExpected;
    int texts;
    int emailRepeats;
    int smsRepeats;

    /**
     * Overdue reminders told for the load's referrals (the response window passed before the
     * provider's answer): neither expected nor repeats, unless told more often than given.
     */
    int emailReminders;

    int smsReminders;
    int notificationsMissing;
    int acceptedMessagesMissing;
    String command;
    long deadLettersExpected;
    long deadLetters;
    String recovery;
    Instant settledAt;
    Map<Integer, Long> statuses;

    /** Delivered exactly once, notified exactly once per channel, nothing else anywhere. */
    void assertHolds() {
      assertHolds(0, 0);
    }

    /**
     * The same, but up to {@code deliveryRepeats} deliveries and {@code notificationRepeats} emails
     * and texts in all may be repeats (nothing missing): for a crash inside a documented
     * at-least-once window. Which repeats are allowed is for the scenario to check.
     */
    void assertHolds(int deliveryRepeats, int notificationRepeats) {
      System.out.println("[fault-suite] " + render(this));
      assertThat(lost).as(scenario + ": 2xx referrals never delivered").isZero();
      assertThat(duplicated)
          .as(scenario + ": repeated deliveries")
          .isLessThanOrEqualTo(deliveryRepeats);
      assertThat(refusedSeen).as(scenario + ": 4xx/5xx referrals seen at a sink").isZero();
      assertThat(notificationsMissing).as(scenario + ": notifications missing").isZero();
      assertThat(acceptedMessagesMissing)
          .as(scenario + ": accepted email or SMS missing for a delivered referral")
          .isZero();
      assertThat(emailRepeats + smsRepeats)
          .as(scenario + ": repeated notifications (email + SMS)")
          .isLessThanOrEqualTo(notificationRepeats);
      assertThat(emails - emailRepeats - emailReminders)
          .as(scenario + ": emails")
          .isEqualTo(emailsExpected);
      assertThat(texts - smsRepeats - smsReminders).as(scenario + ": SMS").isEqualTo(smsExpected);
      assertThat(deadLetters).as(scenario + ": dead letters").isEqualTo(deadLettersExpected);
      assertThat(accepted).as(scenario + ": 2xx referrals").isPositive();
    }
  }

  /**
   * Ends the load after a third more (at least five), waits for its answers and counts at every
   * sink, with no dead letters injected; the caller fills in the recovery.
   */
  Row endAndCount(Load load, String scenario, String fault) throws Exception {
    load.endAfterMore(Math.max(5, REFERRALS / 3));
    load.awaitDone();
    return count(scenario, fault, load, 0, null);
  }

  Row count(String scenario, String fault, Load load, long deadLettersInjected, String recovery)
      throws Exception {
    List<Request> requests = load.requests();
    // A 5xx (or no answer) tells the caller the outcome is unknown, not that nothing happened: a
    // publish whose ack was lost may still be in the log. The caller settles it the way the API
    // says, by retrying with the same Idempotency-Key once the exchange is back: the retry answers
    // 202 with Idempotent-Replayed: true if the first attempt was recorded, else records it now.
    List<String> accepted = new ArrayList<>(ids(requests, Request::accepted));
    List<String> refused = new ArrayList<>(ids(requests, r -> r.refused() && !r.unsettled()));
    int retried = 0;
    int replayed = 0;
    for (Request unsettled : requests.stream().filter(Request::unsettled).toList()) {
      HttpResponse<String> retry =
          driver.post("/api/v1/referrals", unsettled.body(), unsettled.key());
      retried++;
      if (retry.statusCode() == 202) {
        accepted.add(unsettled.referralId());
        if ("true".equals(retry.headers().firstValue("Idempotent-Replayed").orElse(""))) {
          replayed++;
        }
      } else {
        refused.add(unsettled.referralId());
      }
    }
    List<String> unanswered = ids(requests, r -> r.status() == Request.NO_ANSWER);
    Set<String> all = new LinkedHashSet<>(ids(requests, r -> true));

    Row row = new Row();
    rows.add(row);
    row.scenario = scenario;
    row.fault = fault;
    row.load = load.describe();
    row.recovery = recovery;
    row.command = command();
    row.sent = requests.size();
    row.accepted = accepted.size();
    row.refused = refused.size();
    row.unanswered = unanswered.size();
    row.retried = retried;
    row.retryReplayed = replayed;
    row.statuses =
        requests.stream()
            .collect(
                Collectors.groupingBy(
                    Request::status, java.util.TreeMap::new, Collectors.counting()));

    // Wait until every 2xx referral reached the provider, its acceptance reached its timeline, and
    // it was told once per channel; fail, naming what is still missing, if that takes too long.
    awaitSettled(accepted, () -> new LinkedHashSet<>(providers.webhook().receivedReferralIds()));
    row.settledAt = Instant.now();
    awaitQuiet();

    List<String> deliveries = providers.webhook().deliveries();
    Map<String, Long> deliveredTimes =
        deliveries.stream()
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    Map<String, Long> emails = emailsAbout(all);
    Map<String, Long> texts = textsAbout(all);
    tallyDeliveries(row, accepted, deliveredTimes, emails, texts);
    Set<String> submittedKeys =
        readAll(Topics.REFERRAL_SUBMITTED.name()).stream()
            .filter(r -> r.key() != null)
            .map(r -> new String(r.key(), StandardCharsets.UTF_8))
            .collect(Collectors.toSet());
    for (String id : refused) {
      if (submittedKeys.contains(id)
          || deliveredTimes.containsKey(id)
          || emails.containsKey(id)
          || texts.containsKey(id)) {
        row.refusedSeen++;
      }
    }
    for (String id : unanswered) {
      if (deliveredTimes.containsKey(id)) {
        row.unansweredDelivered++;
      }
    }
    row.emails = (int) emails.values().stream().mapToLong(Long::longValue).sum();
    row.texts = (int) texts.values().stream().mapToLong(Long::longValue).sum();
    row.deadLettersExpected = deadLettersInjected;
    row.deadLetters = deadLetters() - load.deadLettersBefore;
    return row;
  }

  /**
   * Waits until every one of {@code accepted} reached its provider ({@code received}), has the
   * provider's acceptance in its timeline, and was told of each notifiable step on both channels
   * (its accepted message first among them). Fails, naming what is missing, once nothing more
   * reached a sink for {@link #SETTLE} and at least {@link #SETTLE} (or {@link #PER_REFERRAL} per
   * referral, if more) has passed; or at four times that, however it goes.
   */
  void awaitSettled(Collection<String> accepted, java.util.function.Supplier<Set<String>> received)
      throws Exception {
    // A scenario whose fault lasted long (a slow restart on a loaded machine) sends hundreds of
    // referrals at its steady pace: each gets half a second more, the assertions stay the same.
    Duration settle =
        SETTLE.compareTo(PER_REFERRAL.multipliedBy(accepted.size())) >= 0
            ? SETTLE
            : PER_REFERRAL.multipliedBy(accepted.size());
    // The deadline follows measured progress, not the clock alone: a box slowed by other builds
    // (or by the module's other test JVM) still delivers and notifies, only later, and each
    // delivery, email or text moves the deadline to SETTLE past it. What is lost stays missing,
    // nothing moves, and the wait fails as before.
    Instant start = Instant.now();
    Instant limit = start.plus(settle.multipliedBy(4));
    Instant deadline = start.plus(settle);
    long progress = -1;
    Instant progressAt = start;
    Set<String> all = new LinkedHashSet<>(accepted);
    while (true) {
      Set<String> taken = received.get();
      Map<String, Long> emails = emailsAbout(all);
      Map<String, Long> texts = textsAbout(all);
      long reached =
          all.stream().filter(taken::contains).count()
              + emails.values().stream().mapToLong(Long::longValue).sum()
              + texts.values().stream().mapToLong(Long::longValue).sum();
      if (reached > progress) {
        progress = reached;
        progressAt = Instant.now();
        Instant moved = Instant.now().plus(SETTLE);
        if (moved.isAfter(deadline)) {
          deadline = moved.isBefore(limit) ? moved : limit;
        }
      }
      List<String> missing = new ArrayList<>();
      for (String id : accepted) {
        if (!taken.contains(id)) {
          missing.add(id + " not delivered");
          continue;
        }
        int notifiable;
        try {
          notifiable = notifiableSteps(id);
        } catch (AssertionError notShown) {
          // The gateway's view may trail the provider by a moment; at the deadline it is named.
          missing.add(id + ": " + notShown.getMessage());
          continue;
        }
        if (notifiable == 0) {
          missing.add(id + " has no notifiable step (no ACCEPTED) in its timeline");
        } else if (acceptedEmails(id) == 0 || acceptedTexts(id) == 0) {
          missing.add(id + " has no accepted email or SMS");
        } else if (emails.getOrDefault(id, 0L) < notifiable
            || texts.getOrDefault(id, 0L) < notifiable) {
          missing.add(
              id
                  + " told "
                  + emails.getOrDefault(id, 0L)
                  + " emails, "
                  + texts.getOrDefault(id, 0L)
                  + " SMS of "
                  + notifiable
                  + " steps");
        }
        if (missing.size() > 10) {
          break; // enough to say why, and no more timeline reads than needed
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "not settled within "
                + Duration.between(start, Instant.now()).toSeconds()
                + " s, the last delivery or message "
                + Duration.between(progressAt, Instant.now()).toSeconds()
                + " s ago ("
                + accepted.size()
                + " 2xx referrals): "
                + missing);
      }
      Thread.sleep(500);
    }
  }

  /** A few of the services' ticks and one FHIR poll: long enough for what follows a record. */
  static final Duration QUIET = CLOCKS.pollInterval();

  /**
   * Waits until the exchange has demonstrably done what it had to: the adapter's and the notifier's
   * event logs (where they run in this JVM) had applied every record on every topic, and then
   * {@link #QUIET} passed with nothing new written to any topic, taken by the webhook provider, or
   * caught by the mail and SMS catchers. A duplicate follows from something in a log within a few
   * ticks; this replaces a fixed 3 s wait with that condition, checked.
   */
  void awaitQuiet() throws Exception {
    Instant deadline = Instant.now().plus(SETTLE);
    List<Object> before = null;
    boolean appliedBefore = false;
    while (true) {
      Map<TopicPartition, Long> ends = endOffsets();
      List<Object> now =
          List.of(
              ends,
              providers.webhook().deliveries().size(),
              mail.messages().size(),
              sms.messages().size(),
              providers.fhir().server().all(org.hl7.fhir.r4.model.Task.class).size());
      if (appliedBefore && now.equals(before)) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("the exchange never went quiet within " + SETTLE);
      }
      before = now;
      appliedBefore = appliedInThisJvm(ends);
      Thread.sleep(QUIET.toMillis());
    }
  }

  /** Whether the in-JVM adapter and notifier applied everything up to {@code ends}. */
  private boolean appliedInThisJvm(Map<TopicPartition, Long> ends) {
    for (SpringServiceComponent service :
        List.<SpringServiceComponent>of(
            LoopDriver.only(parts, AdapterComponent.class),
            LoopDriver.only(parts, NotifierComponent.class))) {
      if (service.process().isPresent()) {
        continue; // a child process: only the quiet window speaks for it
      }
      org.referralexchange.kafka.EventLog log =
          service.context().getBean(org.referralexchange.kafka.EventLog.class);
      for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
        java.util.OptionalLong next = log.nextToApply(end.getKey());
        if (next.isPresent() && next.getAsLong() < end.getValue()) {
          return false;
        }
      }
    }
    return true;
  }

  private static List<String> ids(
      Collection<Request> requests, java.util.function.Predicate<Request> which) {
    return requests.stream().filter(which).map(Request::referralId).toList();
  }

  /**
   * How many of the referral's timeline steps tell the case manager (ACCEPTED and the like).
   *
   * @throws AssertionError if the gateway does not show the referral: an error is not "0 steps"
   */
  int notifiableSteps(String referralId) throws Exception {
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> response = driver.get("/api/v1/referrals/" + referralId);
      if (response.statusCode() == 429 && attempt < 10) {
        Thread.sleep(1_000);
        continue;
      }
      assertThat(response.statusCode())
          .as("the gateway's view of " + referralId + ": " + response.body())
          .isEqualTo(200);
      JsonNode referral = LoopDriver.JSON.readTree(response.body());
      int steps = 0;
      for (JsonNode step : referral.path("timeline")) {
        if (NOTIFIABLE.contains(step.path("status").asString())) {
          steps++;
        }
      }
      return steps;
    }
  }

  /**
   * Overdue reminders in the log, per referral: distinct {@code ReferralOverdue} events of stage
   * REMINDER (their ids derive from the referral and the stage, so one given twice is one). The
   * notifier tells each at most once per channel.
   */
  Map<String, Long> reminders() {
    Map<String, Set<UUID>> reminders = new java.util.HashMap<>();
    for (SpecificRecord event : events(Topics.REFERRAL_OVERDUE.name())) {
      if (event instanceof ReferralOverdue overdue && overdue.getStage() == OverdueStage.REMINDER) {
        reminders
            .computeIfAbsent(overdue.getReferralId(), id -> new java.util.HashSet<>())
            .add(overdue.getEventId());
      }
    }
    return reminders.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> (long) e.getValue().size()));
  }

  /** Every record on the topic, decoded with the registry's schemas, in partition order. */
  List<SpecificRecord> events(String topic) {
    return timedEvents(topic).stream().map(Map.Entry::getValue).toList();
  }

  /** The events on a topic, each with its record's timestamp. */
  List<Map.Entry<Instant, SpecificRecord>> timedEvents(String topic) {
    try (AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>()) {
      values.configure(
          Map.of(
              SerdeConfig.SCHEMA_REGISTRY_URL,
              registry.url(),
              SerdeConfig.SPECIFIC_AVRO_READER,
              true),
          false);
      List<Map.Entry<Instant, SpecificRecord>> events = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> record : readAll(topic)) {
        events.add(
            Map.entry(
                Instant.ofEpochMilli(record.timestamp()),
                values.deserialize(topic, record.value())));
      }
      return events;
    }
  }

  Map<String, Long> emailsAbout(Set<String> ids) {
    return mail.messages().stream()
        .map(m -> LoopDriver.referralIdIn(LoopDriver.subject(m)))
        .filter(id -> id != null && ids.contains(id))
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  Map<String, Long> textsAbout(Set<String> ids) {
    return sms.messages().stream()
        .map(m -> LoopDriver.referralIdIn(m.body()))
        .filter(id -> id != null && ids.contains(id))
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  // --- Kafka, raw ---

  /** Records in every dead-letter topic, all partitions. */
  synchronized long deadLetters() {
    KafkaConsumer<byte[], byte[]> consumer = reader();
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .listTopics(Duration.ofSeconds(30))
        .forEach(
            (topic, infos) -> {
              if (topic.endsWith(Topics.DEAD_LETTER_SUFFIX)) {
                infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
              }
            });
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
    return consumer.endOffsets(partitions).entrySet().stream()
        .mapToLong(e -> e.getValue() - begin.get(e.getKey()))
        .sum();
  }

  /** The end offset of every partition of every topic on the broker, internal ones aside. */
  synchronized Map<TopicPartition, Long> endOffsets() {
    KafkaConsumer<byte[], byte[]> consumer = reader();
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .listTopics(Duration.ofSeconds(30))
        .forEach(
            (topic, infos) -> {
              if (!topic.startsWith("__")) {
                infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
              }
            });
    return Map.copyOf(consumer.endOffsets(partitions, Duration.ofSeconds(30)));
  }

  synchronized List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    KafkaConsumer<byte[], byte[]> consumer = reader();
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Instant deadline = Instant.now().plusSeconds(60);
    while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
      assertThat(Instant.now()).as("reading " + topic + " to its end").isBefore(deadline);
      consumer.poll(Duration.ofMillis(500)).forEach(records::add);
    }
    consumer.unsubscribe();
    return records;
  }

  /** The suite's one raw consumer, made at first use; it follows the broker across restarts. */
  private synchronized KafkaConsumer<byte[], byte[]> reader() {
    if (reader == null) {
      reader =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  kafka.bootstrapServers(),
                  ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                  ByteArrayDeserializer.class,
                  ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                  ByteArrayDeserializer.class,
                  // As the services read: a record of a transaction a crash left open (and so
                  // aborted) is not there.
                  ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                  "read_committed"));
    }
    return reader;
  }

  // --- the report ---

  /**
   * Writes the rows to the report as this suite's section, replacing the section an earlier run of
   * the same suite wrote and keeping the other suites' sections. The suites may run in two test
   * JVMs at once (the module's tests run in parallel forks), so the file is rewritten under a file
   * lock that both JVMs respect.
   */
  private void writeReport() throws Exception {
    Path report = Path.of("target", "reliability-report.md");
    Files.createDirectories(report.getParent());
    StringBuilder out = new StringBuilder();
    out.append("Run of ")
        .append(suite)
        .append(": ")
        .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" processors, load average ")
        .append(loadAverage())
        .append(", faults.referrals=")
        .append(REFERRALS)
        .append(", pace ")
        .append(PACE.toMillis())
        .append(" ms, outage ")
        .append(OUTAGE.toSeconds())
        .append(" s\n\n");
    for (Row row : rows) {
      out.append("## ").append(row.scenario).append("\n\n");
      out.append("| | |\n|---|---|\n");
      out.append("| Load | ").append(row.load).append(" |\n");
      out.append("| Fault | ").append(row.fault).append(" |\n");
      out.append("| Referrals sent | ").append(row.sent).append(" |\n");
      out.append("| Answers | ").append(row.statuses).append(" (status: count; -1 no answer) |\n");
      out.append("| 5xx or no answer, retried with the same Idempotency-Key after recovery | ")
          .append(row.retried)
          .append(" (")
          .append(row.retryReplayed)
          .append(" answered as already recorded, the rest recorded by the retry) |\n");
      out.append("| Settled 2xx (first answer or retry) / refused for good | ")
          .append(row.accepted)
          .append(" / ")
          .append(row.refused)
          .append(" |\n");
      out.append("| Delivered (of settled 2xx) | ").append(row.delivered).append(" |\n");
      out.append("| Duplicated deliveries (repeats of a taken webhook, same webhook-id) | ")
          .append(row.duplicated)
          .append(" |\n");
      out.append("| Lost (settled 2xx, never delivered) | ").append(row.lost).append(" |\n");
      out.append("| Refused for good, seen anywhere (topic, provider, email, SMS) | ")
          .append(row.refusedSeen)
          .append(" |\n");
      out.append("| Unanswered, delivered anyway | ")
          .append(row.unansweredDelivered)
          .append(" |\n");
      out.append("| Emails expected / sent | ")
          .append(row.emailsExpected)
          .append(" / ")
          .append(row.emails)
          .append(" |\n");
      out.append("| SMS expected / sent | ")
          .append(row.smsExpected)
          .append(" / ")
          .append(row.texts)
          .append(" |\n");
      out.append("| Dead letters expected / written | ")
          .append(row.deadLettersExpected)
          .append(" / ")
          .append(row.deadLetters)
          .append(" |\n");
      out.append(
              "| Overdue reminders told, email / SMS (the response window passed before the"
                  + " answer; not repeats) | ")
          .append(row.emailReminders)
          .append(" / ")
          .append(row.smsReminders)
          .append(" |\n");
      out.append("| Repeated notifications, email / SMS | ")
          .append(row.emailRepeats)
          .append(" / ")
          .append(row.smsRepeats)
          .append(" |\n");
      out.append("| Recovery | ").append(row.recovery).append(" |\n");
      out.append("| Command | `").append(row.command).append("` |\n\n");
    }
    ReportFile.replaceSection(report, "Run of " + suite + ":", out.toString());
    System.out.println("[fault-suite] report written to " + report.toAbsolutePath());
  }

  static String render(Row row) {
    return String.format(
        Locale.ROOT,
        "%s: sent %d, answers %s, retried %d (%d already recorded), settled 2xx %d, refused %d,"
            + " delivered %d, duplicated %d, lost %d, refused seen %d, email %d/%d, SMS %d/%d"
            + " (repeats %d/%d), dead letters %d/%d, recovery %s",
        row.scenario,
        row.sent,
        row.statuses,
        row.retried,
        row.retryReplayed,
        row.accepted,
        row.refused,
        row.delivered,
        row.duplicated,
        row.lost,
        row.refusedSeen,
        row.emails,
        row.emailsExpected,
        row.texts,
        row.smsExpected,
        row.emailRepeats,
        row.smsRepeats,
        row.deadLetters,
        row.deadLettersExpected,
        row.recovery);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0];
    } catch (Exception e) {
      return String.format(
          Locale.ROOT,
          "%.2f",
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
