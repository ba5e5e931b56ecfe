package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.local.FaultBench.REFERRALS;
import static org.referralexchange.local.FaultBench.seconds;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.schemas.Topics;

/**
 * Issue 7, scenarios 2 and 7 with real kills. Scenario 2: the agency adapter, then the notifier,
 * killed with SIGKILL mid-batch under a steady load and started again at once, as a supervisor
 * would. Scenario 7: a second adapter, then a second notifier, joins the first one's consumer group
 * and is killed with SIGKILL once the group has handed it partitions, while its work is on the
 * wire; the first takes the partitions back after the session timeout. All run as child JVMs
 * ({@link SpringServiceComponent#runInChildProcess}); the rest of the exchange is {@link
 * FaultBench}'s.
 *
 * <p>What each may repeat, and no more, is what the services document as their at-least-once
 * window:
 *
 * <ul>
 *   <li>the adapter: a referral the provider took whose {@code ReferralDelivered} was not in the
 *       log at the kill is delivered again after the restart, with the same {@code webhook-id}, so
 *       the provider can tell it is the same message. Every referral still reaches the provider
 *       once as distinct deliveries; raw POSTs are counted and reported too;
 *   <li>the notifier: an email or text sent whose {@code NotificationRecorded} was not in the log
 *       at the kill is sent again (SMTP and SMS have no idempotency key): at most one batch per
 *       sender thread (one email sender and one SMS sender by default), which records a batch's
 *       messages in the transaction that commits the batch.
 * </ul>
 *
 * <p>Short form in the build ({@value FaultBench#DEFAULT_REFERRALS} referrals per scenario at
 * least); long form with {@code -Dfaults.referrals=N}. Rows go to {@code
 * target/reliability-report.md}; the services' output to {@code target/service-crash/}.
 */
class ServiceCrashTests extends FaultSuite {

  /**
   * Messages an instance can have sent and not yet recorded: one open batch per sender thread, and
   * this run keeps the defaults, {@code notifier.sender-concurrency} 1 for each of the two channels
   * and {@code notifier.sender-batch}.
   */
  private static final int NOTIFIER_UNRECORDED_AT_MOST =
      2 * org.referralexchange.notifier.config.NotifierProperties.DEFAULT_SENDER_BATCH;

  private static final Path LOGS = Path.of("target", "service-crash");

  /**
   * How long the provider or the SMS API holds its answer to what it took, so that the kill lands
   * inside a call; well under the services' 5 s request timeouts, which would otherwise retry it.
   */
  private static final Duration HOLD = Duration.ofSeconds(2);

  @TempDir static Path dir;

  private AdapterComponent adapter;
  private NotifierComponent notifier;
  private SchemaRegistryComponent registry;

  @BeforeAll
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void startTheExchangeWithTheServicesAsChildProcesses() throws Exception {
    Files.createDirectories(LOGS);
    for (String log : List.of("agency-adapter.log", "notifier.log")) {
      Files.deleteIfExists(LOGS.resolve(log));
    }
    bench =
        new FaultBench(
            dir,
            ServiceCrashTests.class,
            parts -> {
              adapter = LoopDriver.only(parts, AdapterComponent.class);
              notifier = LoopDriver.only(parts, NotifierComponent.class);
              registry = LoopDriver.only(parts, SchemaRegistryComponent.class);
              adapter.runInChildProcess(LOGS.resolve("agency-adapter.log"), SHORT_SESSION);
              notifier.runInChildProcess(LOGS.resolve("notifier.log"), SHORT_SESSION);
            });
  }

  /**
   * The adapter killed while it delivers the load's referrals, restarted at once: every 2xx
   * referral reaches the provider, a repeat only for one taken but not yet recorded at the kill and
   * then with the same {@code webhook-id}; every status change notified once per channel.
   */
  @Test
  @Order(1)
  void adapterKilledMidBatchAndRestarted() throws Exception {
    Set<String> takenBefore = new HashSet<>(bench.providers.webhook().receivedReferralIds());
    FaultBench.Load load = bench.load("2a-adapter");
    load.awaitSent(REFERRALS / 3);
    awaitUntil(
        "the adapter delivers the load's referrals",
        () -> bench.providers.webhook().receivedReferralIds().size() > takenBefore.size() + 1);

    // Mid-batch for real: the provider takes the next referral and holds its 200 for a while, so
    // the kill lands while a delivery is on the wire and taken but not yet recorded.
    int deliveriesBefore = bench.providers.webhook().deliveries().size();
    bench.providers.webhook().holdAnswers(HOLD);
    Kill kill;
    try {
      awaitUntil(
          "the provider takes a delivery and holds its answer",
          () -> bench.providers.webhook().deliveries().size() > deliveriesBefore);
      kill = kill(adapter);
    } finally {
      bench.providers.webhook().holdAnswers(Duration.ZERO);
    }
    awaitWhatWasOnTheWire(kill, () -> bench.providers.webhook().deliveries().size(), true);
    // What the provider held and what the log had recorded as delivered, while nothing can change
    // either: the adapter is dead.
    Set<String> taken = new HashSet<>(bench.providers.webhook().receivedReferralIds());
    taken.removeAll(takenBefore);
    Set<String> recorded = keys(Topics.REFERRAL_DELIVERED.name());
    Set<String> takenNotRecorded = new LinkedHashSet<>(taken);
    takenNotRecorded.removeAll(recorded);
    Set<String> inFlight = new LinkedHashSet<>(acceptedIds(load));
    inFlight.removeAll(taken);

    Instant restartAt = Instant.now();
    adapter.start();
    Instant readyAt = Instant.now();
    // What waited for the adapter: accepted at the kill or while it was down, not yet delivered.
    Set<String> backlog = new LinkedHashSet<>(acceptedIds(load));
    backlog.removeAll(taken);
    awaitUntil(
        "the backlog at the kill is delivered",
        () -> bench.providers.webhook().receivedReferralIds().containsAll(backlog));
    Instant backlogAt = Instant.now();
    FaultBench.Row row =
        bench.endAndCount(
            load,
            "2a. adapter kill -9",
            "adapter killed (SIGKILL) with "
                + inFlight.size()
                + " accepted referrals not yet delivered and "
                + takenNotRecorded.size()
                + " taken by the provider but not yet recorded; restarted at once ("
                + backlog.size()
                + " waiting for it by then)");
    row.recovery =
        "adapter ready %s after the kill (JVM start %s); backlog delivered %s after the kill"
            .formatted(
                seconds(Duration.between(kill.at, readyAt)),
                seconds(Duration.between(restartAt, readyAt)),
                seconds(Duration.between(kill.at, backlogAt)));

    assertDeliveriesRepeatedOnlyInTheWindow("2a", row, takenBefore, takenNotRecorded);
    assertThat(backlog).as("referrals waited for the restarted adapter").isNotEmpty();
    assertThat(takenNotRecorded).as("the kill came while a delivery was held").isNotEmpty();
    row.assertHolds(takenNotRecorded.size(), 0);
  }

  /**
   * The notifier killed while it sends the load's notifications, restarted at once: every status
   * change notified on each channel, a repeat only for a message sent but not yet recorded at the
   * kill, and no more of those than one batch per sender thread.
   */
  @Test
  @Order(2)
  void notifierKilledMidBatchAndRestarted() throws Exception {
    FaultBench.Load load = bench.load("2b-notifier");
    load.awaitSent(REFERRALS / 3);
    Set<String> mine = new HashSet<>();
    awaitUntil(
        "the notifier sends the load's emails",
        () -> {
          mine.addAll(acceptedIds(load));
          return bench.emailsAbout(mine).size() > 1;
        });

    // Mid-batch for real: the SMS API catches the next text and holds its answer for a while, so
    // the kill lands while a text is sent and not yet recorded.
    int textsBefore = bench.sms.messages().size();
    bench.sms.holdAnswers(HOLD);
    Kill kill;
    try {
      awaitUntil(
          "the SMS API catches a text and holds its answer",
          () -> bench.sms.messages().size() > textsBefore);
      kill = kill(notifier);
    } finally {
      bench.sms.holdAnswers(Duration.ZERO);
    }
    awaitWhatWasOnTheWire(kill, () -> bench.sms.messages().size(), true);
    CaughtAtKill caught = caughtAtKill(load, kill);

    Instant restartAt = Instant.now();
    notifier.start();
    Instant readyAt = Instant.now();
    // What waited for the notifier: every referral the provider had taken by now (it accepts each
    // a second after taking it), to be told on both channels.
    Set<String> backlog = new HashSet<>(acceptedIds(load));
    backlog.retainAll(bench.providers.webhook().receivedReferralIds());
    awaitUntil(
        "the backlog at the restart is notified",
        () ->
            bench.emailsAbout(backlog).keySet().containsAll(backlog)
                && bench.textsAbout(backlog).keySet().containsAll(backlog));
    Instant backlogAt = Instant.now();
    SentAtKill atKill = sentAtKill(caught);
    int window = atKill.window();
    FaultBench.Row row =
        bench.endAndCount(
            load,
            "2b. notifier kill -9",
            "notifier killed (SIGKILL) after "
                + atKill.emails().size()
                + " emails and "
                + atKill.texts().size()
                + " texts of the load, "
                + window
                + " of them sent but not yet recorded; restarted at once");
    row.recovery =
        ("notifier ready %s after the kill (JVM start %s); the %d referrals taken by then"
                + " notified on both channels %s after the kill")
            .formatted(
                seconds(Duration.between(kill.at, readyAt)),
                seconds(Duration.between(restartAt, readyAt)),
                backlog.size(),
                seconds(Duration.between(kill.at, backlogAt)));
    assertNotificationsRepeatedOnlyInTheWindow("2b", load, atKill);
    assertThat(window)
        .as("sent but not recorded at the kill, at most one batch per sender thread")
        .isBetween(1, NOTIFIER_UNRECORDED_AT_MOST);
    row.assertHolds(0, window);
  }

  /**
   * Issue 7, scenario 7 with a real kill: a second adapter joins the first one's consumer group,
   * and once the group has handed it partitions and deliveries are on the wire it is killed with
   * SIGKILL, not restarted. The first adapter takes those partitions back when the group's session
   * timeout has passed and does what the dead one left undone: every 2xx referral reaches the
   * provider, a repeat only for a delivery taken but not recorded at the kill, with the same {@code
   * webhook-id}; every status change notified once per channel.
   */
  @Test
  @Order(3)
  void secondAdapterKilledWhileTheGroupHandsItPartitions() throws Exception {
    Set<String> takenBefore = new HashSet<>(bench.providers.webhook().receivedReferralIds());
    FaultBench.Load load = bench.load("7a-two-adapters");
    load.awaitSent(REFERRALS / 3);
    Path log = LOGS.resolve("agency-adapter-2.log");
    Files.deleteIfExists(log);
    AdapterComponent second = anotherAdapter(log);
    second.start();
    awaitUntil(
        "the second adapter, given partitions, delivers",
        () -> lines(log, "took referral.requested") > 0);

    // Held answers keep what both instances send on the wire; with the load's referrals spread
    // over the partitions, some of the next ones are the second instance's.
    int deliveriesBefore = bench.providers.webhook().deliveries().size();
    bench.providers.webhook().holdAnswers(HOLD);
    Kill kill;
    long deliveredBySecond;
    try {
      awaitUntil(
          "the provider holds deliveries",
          () -> bench.providers.webhook().deliveries().size() > deliveriesBefore + 3);
      deliveredBySecond = lines(log, "took referral.requested");
      kill = kill(second);
    } finally {
      bench.providers.webhook().holdAnswers(Duration.ZERO);
    }
    awaitWhatWasOnTheWire(kill, () -> bench.providers.webhook().deliveries().size(), false);
    // A superset of what the dead instance left taken but unrecorded: the first adapter's held
    // deliveries are in it too until it records them.
    Set<String> taken = new HashSet<>(bench.providers.webhook().receivedReferralIds());
    taken.removeAll(takenBefore);
    Set<String> takenNotRecorded = new LinkedHashSet<>(taken);
    takenNotRecorded.removeAll(keys(Topics.REFERRAL_DELIVERED.name()));

    Set<String> backlog = new LinkedHashSet<>(acceptedIds(load));
    backlog.removeAll(taken);
    awaitUntil(
        "the first adapter delivers what waited at the kill",
        () -> bench.providers.webhook().receivedReferralIds().containsAll(backlog));
    Instant backlogAt = Instant.now();
    FaultBench.Row row =
        bench.endAndCount(
            load,
            "7a. second adapter kill -9 in a rebalance",
            "a second adapter joined the group, delivered "
                + deliveredBySecond
                + " on its partitions, then was killed (SIGKILL) while the provider held"
                + " deliveries; not restarted ("
                + backlog.size()
                + " accepted referrals not yet delivered at the kill)");
    row.recovery =
        "everything that waited delivered by the first adapter %s after the kill (session timeout %s)"
            .formatted(seconds(Duration.between(kill.at, backlogAt)), SESSION_TIMEOUT);
    assertDeliveriesRepeatedOnlyInTheWindow("7a", row, takenBefore, takenNotRecorded);
    row.assertHolds(takenNotRecorded.size(), 0);
  }

  /**
   * Issue 7, scenario 7 with a real kill, for the notifier: a second notifier joins the first one's
   * group and, once it works partitions and texts are on the wire, is killed with SIGKILL and not
   * restarted. The first notifier takes its partitions back after the session timeout: every status
   * change notified on each channel, a repeat only for a message sent but not recorded at the kill.
   */
  @Test
  @Order(4)
  void secondNotifierKilledWhileTheGroupHandsItPartitions() throws Exception {
    FaultBench.Load load = bench.load("7b-two-notifiers");
    load.awaitSent(REFERRALS / 3);
    Path log = LOGS.resolve("notifier-2.log");
    Files.deleteIfExists(log);
    NotifierComponent second = anotherNotifier(log);
    second.start();
    awaitUntil(
        "the second notifier, given partitions, sends", () -> lines(log, "Sent accepted SMS") > 0);

    int textsBefore = bench.sms.messages().size();
    bench.sms.holdAnswers(HOLD);
    Kill kill;
    long sentBySecond;
    try {
      awaitUntil("the SMS API holds texts", () -> bench.sms.messages().size() > textsBefore + 2);
      sentBySecond = lines(log, "Sent accepted SMS");
      kill = kill(second);
    } finally {
      bench.sms.holdAnswers(Duration.ZERO);
    }
    awaitWhatWasOnTheWire(kill, () -> bench.sms.messages().size(), false);
    CaughtAtKill caught = caughtAtKill(load, kill);

    Set<String> backlog = new HashSet<>(acceptedIds(load));
    backlog.retainAll(bench.providers.webhook().receivedReferralIds());
    awaitUntil(
        "the first notifier tells what waited at the kill",
        () ->
            bench.emailsAbout(backlog).keySet().containsAll(backlog)
                && bench.textsAbout(backlog).keySet().containsAll(backlog));
    Instant backlogAt = Instant.now();
    SentAtKill atKill = sentAtKill(caught);
    FaultBench.Row row =
        bench.endAndCount(
            load,
            "7b. second notifier kill -9 in a rebalance",
            "a second notifier joined the group, sent "
                + sentBySecond
                + " texts on its partitions, then was killed (SIGKILL) while the SMS API held"
                + " texts; not restarted ("
                + atKill.window()
                + " messages sent but not recorded at the kill, by either instance)");
    row.recovery =
        ("the %d referrals accepted by then notified on both channels %s after the kill (session"
                + " timeout %s)")
            .formatted(
                backlog.size(), seconds(Duration.between(kill.at, backlogAt)), SESSION_TIMEOUT);
    int repeats = assertNotificationsRepeatedOnlyInTheWindow("7b", load, atKill);
    assertThat(repeats)
        .as("repeated messages, at most one batch per sender thread of each instance")
        .isLessThanOrEqualTo(2 * NOTIFIER_UNRECORDED_AT_MOST);
    row.assertHolds(0, atKill.window());
  }

  // --- helpers ---

  /**
   * The instances' session timeouts here (the adapter's {@code
   * exchange.kafka.ownership.session-timeout}, the notifier's Kafka Streams group and its senders'
   * groups): 8 s instead of the defaults (15 s, 45 s). The group gives a killed instance's
   * partitions away only when its own session timeout has run out, so each kill waited out 15 s for
   * nothing the scenarios check; 8 s (with a 2 s heartbeat, four to a session) still outlasts any
   * stall of a live instance on a loaded box, and a takeover still has to wait for it.
   */
  private static final String SESSION_TIMEOUT = "8 s";

  private static final List<String> SHORT_SESSION =
      List.of(
          "--exchange.kafka.ownership.session-timeout=PT8S",
          "--exchange.kafka.ownership.heartbeat-interval=PT2S",
          // The notifier's Kafka Streams group
          "--spring.kafka.streams.properties.session.timeout.ms=8000",
          "--spring.kafka.streams.properties.heartbeat.interval.ms=2000",
          // and its senders' groups
          "--spring.kafka.consumer.properties.session.timeout.ms=8000",
          "--spring.kafka.consumer.properties.heartbeat.interval.ms=2000");

  /** A second adapter beside the bench's, same configuration and group, as a child JVM. */
  private AdapterComponent anotherAdapter(Path log) {
    LocalExchange.DemoClocks clocks = FaultBench.CLOCKS;
    AdapterComponent adapter =
        new AdapterComponent(
            bench.kafka::bootstrapServers,
            registry::url,
            new AdapterComponent.Settings(
                0, bench.settings.keysetFile(), bench.settings.serviceStartupTimeout()),
            new AdapterComponent.Providers(
                bench.providers::webhookEndpoint,
                DemoProvidersComponent.WEBHOOK_SECRET,
                bench.providers::fhirBaseUrl,
                clocks.pollInterval(),
                clocks.tick(),
                clocks.responseWindow(),
                clocks.grace(),
                true));
    adapter.runInChildProcess(log, SHORT_SESSION);
    return adapter;
  }

  /** A second notifier beside the bench's, same configuration and group, as a child JVM. */
  private NotifierComponent anotherNotifier(Path log) {
    GatewayComponent gateway = LoopDriver.only(bench.parts, GatewayComponent.class);
    NotifierComponent another =
        new NotifierComponent(
            bench.kafka::bootstrapServers,
            registry::url,
            new NotifierComponent.Settings(
                0,
                bench.settings.serviceStartupTimeout(),
                FaultBench.CLOCKS.tick(),
                "",
                // Its own stores: two instances never share a state dir.
                bench.settings.kafkaDataDir().resolve("another-notifier-streams")),
            new NotifierComponent.Channels(bench.mail::smtp, bench.sms::url, gateway::url));
    another.runInChildProcess(log, SHORT_SESSION);
    return another;
  }

  /** Lines of a child's log that contain {@code text}; 0 while there is no log yet. */
  private static long lines(Path log, String text) {
    try {
      return Files.exists(log)
          ? Files.readAllLines(log, StandardCharsets.UTF_8).stream()
              .filter(line -> line.contains(text))
              .count()
          : 0;
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  /**
   * What the provider took more than once among the load's referrals must be what was taken but not
   * recorded at the kill, each time with the same {@code webhook-id}.
   */
  private void assertDeliveriesRepeatedOnlyInTheWindow(
      String scenario, FaultBench.Row row, Set<String> takenBefore, Set<String> takenNotRecorded) {
    Map<String, Long> posts =
        bench.providers.webhook().deliveries().stream()
            .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    Set<String> repeated =
        posts.entrySet().stream()
            .filter(e -> e.getValue() > 1 && !takenBefore.contains(e.getKey()))
            .map(Map.Entry::getKey)
            .collect(Collectors.toSet());
    System.out.printf(
        "[fault-suite] %s: raw POSTs %d for %d distinct referrals; repeated %s; taken but not"
            + " recorded at the kill %s%n",
        scenario, row.delivered + row.duplicated, row.delivered, repeated, takenNotRecorded);
    assertThat(takenNotRecorded)
        .as("a delivery is repeated only when it was taken but not recorded at the kill")
        .containsAll(repeated);
    Map<String, Set<String>> webhookIds = bench.providers.webhook().webhookIds();
    for (String id : repeated) {
      assertThat(webhookIds.get(id)).as("webhook-ids of the deliveries of " + id).hasSize(1);
    }
  }

  /**
   * Messages at the catchers at a kill, and those of them with no SENT record committed before it.
   * Asked once the services settled: a record of a transaction the kill left open is aborted then
   * (never there), and one written after the kill is not counted.
   */
  private record SentAtKill(
      Map<String, Long> emails,
      Map<String, Long> texts,
      Set<String> emailsNotRecorded,
      Set<String> textsNotRecorded) {
    int window() {
      return emailsNotRecorded.size() + textsNotRecorded.size();
    }
  }

  /** The messages about the load's referrals at the catchers now, just after a kill. */
  private record CaughtAtKill(
      Instant killedAt, Map<String, Long> emails, Map<String, Long> texts) {}

  private CaughtAtKill caughtAtKill(FaultBench.Load load, Kill kill) {
    Set<String> sent = new HashSet<>(acceptedIds(load));
    return new CaughtAtKill(kill.at, bench.emailsAbout(sent), bench.textsAbout(sent));
  }

  private SentAtKill sentAtKill(CaughtAtKill caught) {
    Set<String> emailsNotRecorded = new LinkedHashSet<>(caught.emails().keySet());
    emailsNotRecorded.removeAll(recordedSentBefore("EMAIL", caught.killedAt()));
    Set<String> textsNotRecorded = new LinkedHashSet<>(caught.texts().keySet());
    textsNotRecorded.removeAll(recordedSentBefore("SMS", caught.killedAt()));
    return new SentAtKill(caught.emails(), caught.texts(), emailsNotRecorded, textsNotRecorded);
  }

  /**
   * A repeated email or text among the load's must be one sent but not recorded at the kill.
   *
   * @return how many referrals got a repeated message, both channels counted
   */
  private int assertNotificationsRepeatedOnlyInTheWindow(
      String scenario, FaultBench.Load load, SentAtKill atKill) {
    Set<String> all = new HashSet<>(acceptedIds(load));
    Map<String, Long> reminders = bench.reminders();
    Set<String> emailRepeats = repeated(bench.emailsAbout(all), reminders);
    Set<String> textRepeats = repeated(bench.textsAbout(all), reminders);
    System.out.printf(
        "[fault-suite] %s: sent but not recorded at the kill: emails %s, texts %s; repeated:"
            + " emails %s, texts %s%n",
        scenario, atKill.emailsNotRecorded(), atKill.textsNotRecorded(), emailRepeats, textRepeats);
    assertThat(atKill.emailsNotRecorded())
        .as("an email is repeated only when it was sent but not recorded at the kill")
        .containsAll(emailRepeats);
    assertThat(atKill.textsNotRecorded())
        .as("a text is repeated only when it was sent but not recorded at the kill")
        .containsAll(textRepeats);
    return emailRepeats.size() + textRepeats.size();
  }

  /**
   * Waits until what the killed instance had sent before it died has been taken by the stand-in
   * ({@code arrived} counts what it took), so that "taken at the kill" includes it. The stand-in
   * answers on few threads (the webhook provider two, the SMS API one): requests that came while
   * its answers were held wait behind them and are taken only once the holds end, after the kill
   * (one run on a loaded box took two more deliveries a second after it, and the restarted adapter
   * rightly delivered them again). The holds are off from the kill on, so those taken before it end
   * within {@link #HOLD}. With nothing else sending ({@code alone}: the killed instance was the
   * only one), until nothing new came for {@link #HOLD} too; with a live instance still sending,
   * its own deliveries are taken and recorded as usual, and what it has not recorded yet counts as
   * taken but unrecorded, as the scenario says.
   */
  private static void awaitWhatWasOnTheWire(
      Kill kill, java.util.function.IntSupplier arrived, boolean alone)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(FaultBench.SETTLE);
    Instant holdsOver = kill.at.plus(HOLD).plus(FaultBench.QUIET);
    int seen = arrived.getAsInt();
    Instant seenAt = Instant.now();
    while (true) {
      Instant now = Instant.now();
      int count = arrived.getAsInt();
      if (count != seen) {
        seen = count;
        seenAt = now;
      }
      if (now.isAfter(holdsOver)
          && (!alone || Duration.between(seenAt, now).compareTo(HOLD) >= 0)) {
        return;
      }
      assertThat(now).as("waiting until the stand-in took what was on the wire").isBefore(deadline);
      Thread.sleep(100);
    }
  }

  /** When a service was killed. */
  private record Kill(Instant at) {}

  /** SIGKILL to the service's process; returns once it is gone and forgotten by its component. */
  private static Kill kill(SpringServiceComponent service) throws Exception {
    ProcessHandle process = service.process().orElseThrow();
    Instant at = Instant.now();
    process.destroyForcibly();
    process.onExit().get(30, TimeUnit.SECONDS);
    service.stop(); // forgets the dead process so start() may run again
    return new Kill(at);
  }

  private static Set<String> acceptedIds(FaultBench.Load load) {
    return load.requests().stream()
        .filter(FaultBench.Request::accepted)
        .map(FaultBench.Request::referralId)
        .collect(Collectors.toSet());
  }

  /**
   * Referrals with more messages than they call for: the load's referrals are each accepted once,
   * so one status change to tell per channel, and one more for an overdue reminder if the response
   * window passed before the answer ({@code reminders}, per referral).
   */
  private static Set<String> repeated(Map<String, Long> messages, Map<String, Long> reminders) {
    return messages.entrySet().stream()
        .filter(e -> e.getValue() > 1 + reminders.getOrDefault(e.getKey(), 0L))
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  /** The keys (referral ids) on a topic. */
  private Set<String> keys(String topic) {
    return bench.readAll(topic).stream()
        .filter(r -> r.key() != null)
        .map(r -> new String(r.key(), StandardCharsets.UTF_8))
        .collect(Collectors.toSet());
  }

  /**
   * Referral ids with a SENT {@code NotificationRecorded} on this channel in the log, committed and
   * stamped before {@code at}.
   */
  private Set<String> recordedSentBefore(String channel, Instant at) {
    Set<String> ids = new HashSet<>();
    for (Map.Entry<Instant, SpecificRecord> event :
        bench.timedEvents(Topics.NOTIFICATIONS.name())) {
      if (event.getKey().isBefore(at)
          && event.getValue() instanceof NotificationRecorded recorded
          && recorded.getOutcome() == NotificationOutcome.SENT
          && recorded.getChannel().name().equals(channel)) {
        ids.add(recorded.getReferralId());
      }
    }
    return ids;
  }

  private static void awaitUntil(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(FaultBench.SETTLE);
    while (!condition.getAsBoolean()) {
      assertThat(Instant.now()).as("waiting until " + what).isBefore(deadline);
      Thread.sleep(100);
    }
  }
}
