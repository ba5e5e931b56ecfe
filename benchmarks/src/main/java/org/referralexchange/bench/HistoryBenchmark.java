package org.referralexchange.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.CaseManager;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentRecipients;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentReference;
import org.referralexchange.events.v1.ConsentSignature;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.events.v1.Referrer;
import org.referralexchange.events.v1.ServiceTarget;
import org.referralexchange.local.ChildService;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ExchangeInfrastructure;

/**
 * What a service's state costs as history grows: N referrals of finished history on the real
 * topics, then each service started alone as a child JVM, cold and warm, measuring its time to
 * ready and its live heap after a full GC. Not a JMH benchmark: it runs test-support's in-process
 * KRaft broker and stand-in registry in this JVM, and each service in a JVM of its own through the
 * local launcher's {@link ChildService} (the launcher's arguments and child JVM options, plus
 * {@code --heap}), so the heap and readiness measured are the service's alone.
 *
 * <p>Each referral's history is what the services themselves publish for a referral that went all
 * the way: its consent ({@code consent.events}, one per client, two referrals per client), {@code
 * ReferralSubmitted}, {@code ReferralDelivered}, {@code ReferralStatusChanged} ACCEPTED,
 * IN_PROGRESS and COMPLETED, and the notifier's SENT record per wanted channel for the two statuses
 * that notify (ACCEPTED, COMPLETED), without which a notifier would send them all again. Keys are
 * the referral (or consent) id. Agencies, case managers, providers and services are the demo
 * directory's. Histories of a larger N extend the smaller one, so N = 1M costs 900k more referrals
 * after 100k.
 *
 * <p>Time to ready is from starting the child JVM until {@code /actuator/health/readiness} answers
 * 200, which today means its event log read every topic it needs up to where it ended at start-up
 * (kafka-support's {@code KafkaReadiness}); its restore rate is N over that time. Live heap is the
 * used heap after {@code jcmd <pid> GC.run} (a full collection with the serial collector the child
 * runs), from {@code jcmd <pid> GC.heap_info}. "Cold" starts without the service's state directory,
 * "warm" with the one the cold start left. A service on Kafka Streams (the notifier) is started
 * once more before those, with no state under an application that has not read this history (its
 * first start, as after an upgrade): that start processes the history, timed until the application
 * has committed the ends of its input topics; its cold start then restores its stores from their
 * changelogs, and its warm start finds them on disk. The others keep no local state, so their cold
 * and warm starts differ only by noise. Records refused or dead-lettered would mean the slow path
 * is measured: the run fails if there is any. Options: {@code --n=100000,1000000
 * --services=gateway,adapter,notifier --heap=4g --startup-timeout-minutes=30}.
 */
public final class HistoryBenchmark {

  private static final String[][] AGENCIES = {
    {"county-hhs", "County Health and Human Services"}, {"harbor-shelter", "Harbor Shelter"}
  };

  /** Provider, service id, service name: the adapter file's demo providers. */
  private static final String[][] TARGETS = {
    {"northside-food-bank", "emergency-groceries", "Emergency groceries"},
    {"northside-food-bank", "home-delivered-meals", "Home-delivered meals"},
    {"riverside-housing", "rapid-rehousing", "Rapid rehousing"},
    {"riverside-housing", "shelter-bed", "Shelter bed"},
    {"community-pantry", "food-pantry", "Food pantry"}
  };

  private static final List<String> PROVIDERS =
      List.of("northside-food-bank", "riverside-housing", "community-pantry");

  private static final int CASE_MANAGERS_PER_AGENCY = 200;

  /** Refusals and skips as kafka-support's EventLog and the Kafka Streams services log them. */
  private static final Pattern REFUSED_LINE =
      Pattern.compile(
          "Refusing impossible record|Skipping undecodable record|Refused a record of|Skipped an"
              + " undecodable record");

  private static final Pattern HEAP_USED =
      Pattern.compile("(?:def new generation|tenured generation)\\s+total \\d+K, used (\\d+)K");

  private HistoryBenchmark() {}

  record Options(List<Integer> sizes, List<String> services, String heap, Duration startupTimeout) {

    static Options parse(String[] args) {
      Map<String, String> given = Harness.arguments(args);
      List<Integer> sizes =
          Arrays.stream(given.getOrDefault("n", "100000,1000000").split(","))
              .map(String::trim)
              .map(Integer::parseInt)
              .sorted()
              .distinct()
              .toList();
      List<String> services =
          Arrays.stream(given.getOrDefault("services", "gateway,adapter,notifier").split(","))
              .map(String::trim)
              .toList();
      if (sizes.isEmpty() || sizes.get(0) < 2 || services.isEmpty()) {
        throw new IllegalArgumentException("n at least 2, and at least one service");
      }
      for (String service : services) {
        if (!List.of("gateway", "adapter", "notifier").contains(service)) {
          throw new IllegalArgumentException("No service " + service);
        }
      }
      return new Options(
          sizes,
          services,
          given.getOrDefault("heap", "4g"),
          Duration.ofMinutes(Long.parseLong(given.getOrDefault("startup-timeout-minutes", "30"))));
    }
  }

  /** One start of one service. */
  /**
   * @param caughtUpSeconds from the start until its Kafka Streams application had committed the
   *     ends of its input topics (as they were at the start): the history processed; NaN where not
   *     measured
   */
  record Start(double readySeconds, double caughtUpSeconds, double liveHeapMb, int refusedLines) {}

  /** One service at one N. */
  /**
   * @param first a Kafka Streams service's start with no state under an application that has not
   *     read this history yet (the first start of that version: it processes the history); null for
   *     the others, whose every start reads everything
   * @param cold a start without local state: a Kafka Streams service restores its stores from their
   *     changelogs
   */
  record Result(String service, int n, Start first, Start cold, Start warm) {}

  /** The services on Kafka Streams, with their application id and input topics. */
  private static final Map<String, Map.Entry<String, List<String>>> ON_STREAMS =
      Map.of(
          "notifier",
          Map.entry(
              "notifier",
              List.of(
                  Topics.REFERRAL_SUBMITTED.name(),
                  Topics.REFERRAL_STATUS_CHANGED.name(),
                  Topics.REFERRAL_OVERDUE.name(),
                  Topics.NOTIFICATIONS.name())));

  public static void main(String[] args) throws Exception {
    Harness.prepareJvm();
    Options options = Options.parse(args);
    Harness.printRunHeader(options);
    long began = System.nanoTime();
    Path work = Files.createTempDirectory("history-bench-");
    Path keyset = work.resolve("client-data.json");
    Files.writeString(keyset, ExchangeInfrastructure.KEYSET);
    String bootstrap = ExchangeInfrastructure.bootstrapServers();
    String registryUrl = ExchangeInfrastructure.registryUrl();
    ExchangeInfrastructure.createExchangeTopics();
    // The directory a running exchange has: the gateway is ready only once a provider is listed.
    org.referralexchange.testing.ProviderDirectoryRecords.publishDemoProviders(bootstrap);
    System.out.printf("Broker %s, registry %s, work folder %s%n", bootstrap, registryUrl, work);

    List<Result> results = new ArrayList<>();
    int written = 0;
    for (int n : options.sizes()) {
      writeHistory(bootstrap, registryUrl, written, n);
      written = n;
      for (String service : options.services()) {
        Path state = work.resolve("state").resolve(service);
        ChildService child =
            ChildService.of(
                service,
                bootstrap,
                registryUrl,
                keyset,
                work.resolve("logs").resolve(service + "-" + n + ".log"),
                List.of("-Xms" + options.heap(), "-Xmx" + options.heap()),
                List.of(
                    "--spring.kafka.streams.state-dir=" + state,
                    "--logging.level.root=WARN",
                    "--spring.main.banner-mode=off"),
                options.startupTimeout());
        deleteTree(state);
        Map.Entry<String, List<String>> streams = ON_STREAMS.get(service);
        Start first = null;
        if (streams != null) {
          first = measure(child, service, n, "first", work, streams);
          deleteTree(state);
        }
        Start cold = measure(child, service, n, "cold", work, null);
        Start warm = measure(child, service, n, "warm", work, null);
        long deadLetters = deadLetters();
        int refused =
            cold.refusedLines() + warm.refusedLines() + (first == null ? 0 : first.refusedLines());
        if (deadLetters > 0 || refused > 0) {
          throw new IllegalStateException(
              service
                  + " refused records: "
                  + deadLetters
                  + " dead letters, "
                  + refused
                  + " refusal or skip lines in its log; the history is not what it expects");
        }
        results.add(new Result(service, n, first, cold, warm));
      }
    }
    report(options, results);
    System.out.printf(
        "Total %.0f s; load average %s%n",
        (System.nanoTime() - began) / 1e9, Harness.loadAverage());
    System.exit(0); // the broker and registry stop in a shutdown hook
  }

  /**
   * Starts the service, waits for readiness (and, given a Kafka Streams application and its input
   * topics, until it committed their ends as they were at the start), measures its live heap, stops
   * it.
   */
  private static Start measure(
      ChildService child,
      String service,
      int n,
      String kind,
      Path work,
      Map.Entry<String, List<String>> streams)
      throws Exception {
    Path log = work.resolve("logs").resolve(service + "-" + n + ".log");
    int refusedBefore = refusedLines(log);
    Map<TopicPartition, Long> ends =
        streams == null ? Map.of() : Harness.endOffsets(bootstrapServers(), streams.getValue());
    long start = System.nanoTime();
    child.start();
    double ready = (System.nanoTime() - start) / 1e9;
    double caughtUp = Double.NaN;
    double heap;
    try {
      if (streams != null) {
        Harness.awaitCommitted(
            bootstrapServers(),
            streams.getKey(),
            ends,
            Duration.ofHours(2),
            Duration.ofMillis(500));
        caughtUp = (System.nanoTime() - start) / 1e9;
      }
      jcmd(child.pid(), "GC.run");
      heap = usedHeapMb(jcmd(child.pid(), "GC.heap_info"));
    } finally {
      child.stop();
    }
    Start measured = new Start(ready, caughtUp, heap, refusedLines(log) - refusedBefore);
    System.out.printf(
        Locale.ROOT,
        "%s N=%,d %s: ready in %.1f s (%,.0f referrals/s)%s, live heap %.0f MB; load average %s%n",
        service,
        n,
        kind,
        ready,
        n / ready,
        Double.isNaN(caughtUp)
            ? ""
            : String.format(Locale.ROOT, ", history processed in %.1f s", caughtUp),
        heap,
        Harness.loadAverage());
    return measured;
  }

  private static String bootstrapServers() {
    return ExchangeInfrastructure.bootstrapServers();
  }

  /**
   * Writes referrals {@code from} (inclusive) to {@code to} (exclusive) with a batching producer as
   * the services configure theirs otherwise (acks=all, idempotent, the exchange's Avro serializer
   * on the registered schemas); fails if any send failed.
   */
  private static void writeHistory(String bootstrap, String registryUrl, int from, int to)
      throws Exception {
    Map<String, Object> batching =
        Map.of(
            ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
            ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    LongAdder records = new LongAdder();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Instant now = Instant.now();
    long start = System.nanoTime();
    try (KafkaProducer<String, SpecificRecord> producer =
        Harness.avroProducer(bootstrap, registryUrl, 25, batching)) {
      for (int i = from; i < to && failure.get() == null; i++) {
        for (Map.Entry<TopicSpec, List<SpecificRecord>> topic :
            referralHistory(i, to, now).entrySet()) {
          for (SpecificRecord event : topic.getValue()) {
            producer.send(
                new ProducerRecord<>(topic.getKey().name(), keyOf(event), event),
                (metadata, e) -> {
                  if (e != null) {
                    failure.compareAndSet(null, e);
                  } else {
                    records.increment();
                  }
                });
          }
        }
      }
      producer.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("Writing the history failed", failure.get());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "Wrote referrals %,d to %,d: %,d records in %.1f s (%,.0f records/s, %,.0f referrals/s);"
            + " load average %s%n",
        from,
        to,
        records.sum(),
        seconds,
        records.sum() / seconds,
        (to - from) / seconds,
        Harness.loadAverage());
  }

  /**
   * Referral {@code i}'s finished history, by topic in the order the exchange writes it; a client's
   * consent comes with its first referral. Referrals are spread over the last 90 days.
   */
  static Map<TopicSpec, List<SpecificRecord>> referralHistory(int i, int total, Instant now) {
    String id = String.format(Locale.ROOT, "hist-%08d", i);
    int client = i / 2;
    String[] agency = AGENCIES[client % AGENCIES.length];
    String[] target = TARGETS[i % TARGETS.length];
    String provider = target[0];
    String pseudonym = String.format(Locale.ROOT, "cl-hist-%07x", client);
    String consentId = String.format(Locale.ROOT, "consent-hist-%07d", client);
    int cm = (client / AGENCIES.length) % CASE_MANAGERS_PER_AGENCY;
    List<NotificationChannel> channels =
        cm % 4 == 0
            ? List.of(NotificationChannel.EMAIL, NotificationChannel.SMS)
            : List.of(NotificationChannel.EMAIL);
    String cmId = agency[0] + "-cm-" + cm;
    Instant submittedAt =
        now.minus(Duration.ofDays(90))
            .plusMillis((long) i * Duration.ofDays(80).toMillis() / total);
    Instant signedAt = submittedAt.minus(Duration.ofDays(1)).minusMillis(i % 2);
    Instant consentExpires = signedAt.plus(Duration.ofDays(730));

    Map<TopicSpec, List<SpecificRecord>> history = new LinkedHashMap<>();
    if (i % 2 == 0) {
      ConsentRecorded sample = SampleEvents.consentRecorded(consentId);
      ConsentDetails details =
          ConsentDetails.newBuilder(sample.getConsent())
              .setClientPseudonym(pseudonym)
              .setDisclosingAgencyId(agency[0])
              .setRecipients(ConsentRecipients.newBuilder().setProviderIds(PROVIDERS).build())
              .setEffectiveFrom(signedAt)
              .setExpiresAt(consentExpires)
              .setSignature(
                  ConsentSignature.newBuilder(sample.getConsent().getSignature())
                      .setSignedAt(signedAt)
                      .build())
              .build();
      history.put(
          Topics.CONSENT_EVENTS,
          List.of(
              ConsentRecorded.newBuilder(sample)
                  .setOccurredAt(signedAt.plusSeconds(60))
                  .setConsent(details)
                  .setRecordedBy(
                      Actor.newBuilder(sample.getRecordedBy())
                          .setOrganizationId(agency[0])
                          .setUserId(cmId)
                          .build())
                  .build()));
    }
    ReferralSubmitted sample = SampleEvents.referralSubmitted(id);
    ReferralSubmitted submitted =
        ReferralSubmitted.newBuilder(sample)
            .setOccurredAt(submittedAt)
            .setRespondBy(submittedAt.plus(Duration.ofDays(2)))
            .setReferrer(
                Referrer.newBuilder()
                    .setAgencyId(agency[0])
                    .setAgencyName(agency[1])
                    .setCaseManager(
                        CaseManager.newBuilder(sample.getReferrer().getCaseManager())
                            .setId(cmId)
                            .setName("Case Manager " + cm)
                            .setEmail(cmId + "@" + agency[0] + ".example")
                            .setPreferredChannels(channels)
                            .build())
                    .build())
            .setTarget(
                ServiceTarget.newBuilder()
                    .setProviderId(provider)
                    .setServiceId(target[1])
                    .setServiceName(target[2])
                    .build())
            .setConsent(
                ConsentReference.newBuilder(sample.getConsent())
                    .setConsentId(consentId)
                    .setExpiresAt(consentExpires)
                    .build())
            .setClient(
                org.referralexchange.events.v1.ClientBlock.newBuilder(sample.getClient())
                    .setClientPseudonym(pseudonym)
                    .build())
            .build();
    history.put(Topics.REFERRAL_SUBMITTED, List.of(submitted));
    history.put(
        Topics.REFERRAL_DELIVERED,
        List.of(
            ReferralDelivered.newBuilder()
                .setEventId(UUID.nameUUIDFromBytes(("delivered:" + id).getBytes()))
                .setOccurredAt(submittedAt.plusSeconds(30))
                .setReferralId(id)
                .setProviderId(provider)
                .setProviderReference("Task/" + id)
                .build()));
    ReferralStatusChanged completedSample = SampleEvents.completed(id);
    List<SpecificRecord> statuses = new ArrayList<>();
    List<SpecificRecord> notifications = new ArrayList<>();
    Object[][] steps = {
      {ReferralStatus.ACCEPTED, Duration.ofHours(1), "accepted"},
      {ReferralStatus.IN_PROGRESS, Duration.ofDays(1), null},
      {ReferralStatus.COMPLETED, Duration.ofDays(3), "completed"}
    };
    for (Object[] step : steps) {
      ReferralStatus status = (ReferralStatus) step[0];
      Instant at = submittedAt.plus((Duration) step[1]);
      ReferralStatusChanged changed =
          ReferralStatusChanged.newBuilder(completedSample)
              .setEventId(UUID.nameUUIDFromBytes((status + ":" + id).getBytes()))
              .setOccurredAt(at)
              .setProviderId(provider)
              .setStatus(status)
              .setActor(
                  Actor.newBuilder()
                      .setRole(ActorRole.PROVIDER)
                      .setOrganizationId(provider)
                      .build())
              .setProviderReference("Task/" + id)
              .setOutcome(status == ReferralStatus.COMPLETED ? completedSample.getOutcome() : null)
              .build();
      statuses.add(changed);
      if (step[2] != null) {
        for (NotificationChannel channel : channels) {
          notifications.add(
              NotificationRecorded.newBuilder()
                  .setEventId(
                      UUID.nameUUIDFromBytes(("notified:" + status + channel + id).getBytes()))
                  .setOccurredAt(at.plusSeconds(5))
                  .setReferralId(id)
                  .setSourceEventId(changed.getEventId())
                  .setChannel(channel)
                  .setRecipientId(cmId)
                  .setTopic((String) step[2])
                  .setOutcome(NotificationOutcome.SENT)
                  .setDetail(null)
                  .setProviderMessageId("msg-" + changed.getEventId() + "-" + channel)
                  .build());
        }
      }
    }
    history.put(Topics.REFERRAL_STATUS_CHANGED, statuses);
    history.put(Topics.NOTIFICATIONS, notifications);
    return history;
  }

  private static String keyOf(SpecificRecord event) {
    if (event instanceof ConsentRecorded consent) {
      return consent.getConsent().getConsentId();
    }
    // Every other event here is about one referral and carries its id as field "referralId".
    return (String) event.get(event.getSchema().getField("referralId").pos());
  }

  /** Records on every dead-letter topic of the exchange. */
  private static long deadLetters() {
    return ExchangeInfrastructure.endOffsets(
            Topics.ALL.stream().map(TopicSpec::deadLetterTopic).toList())
        .values()
        .stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  private static int refusedLines(Path log) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(log)) {
      return (int) lines.filter(l -> REFUSED_LINE.matcher(l).find()).count();
    }
  }

  /** Runs {@code jcmd <pid> <command>} from this JDK; fails on a non-zero exit. */
  private static String jcmd(long pid, String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process process =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + output);
    }
    return output;
  }

  /** Young plus old generation used, from the serial collector's GC.heap_info. */
  static double usedHeapMb(String heapInfo) {
    Matcher used = HEAP_USED.matcher(heapInfo);
    long kb = 0;
    int found = 0;
    while (used.find()) {
      kb += Long.parseLong(used.group(1));
      found++;
    }
    if (found != 2) {
      throw new IllegalStateException("Not a serial collector's heap info:\n" + heapInfo);
    }
    return kb / 1024.0;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static void report(Options options, List<Result> results) {
    System.out.println();
    Harness.printRunHeader(options);
    System.out.println();
    System.out.println(
        "| service | N | first start: history processed s (referrals/s) | cold ready s | warm ready"
            + " s | live heap MB (cold / warm) | referrals/s restored (cold) |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %,d | %s | %.1f | %.1f | %.0f / %.0f | %,.0f |%n",
          r.service(),
          r.n(),
          r.first() == null
              ? "n/a (every start reads everything)"
              : String.format(
                  Locale.ROOT,
                  "%.1f (%,.0f)",
                  r.first().caughtUpSeconds(),
                  r.n() / r.first().caughtUpSeconds()),
          r.cold().readySeconds(),
          r.warm().readySeconds(),
          r.cold().liveHeapMb(),
          r.warm().liveHeapMb(),
          r.n() / r.cold().readySeconds());
    }
    int small = options.sizes().get(0);
    int large = options.sizes().get(options.sizes().size() - 1);
    if (small == large) {
      return;
    }
    System.out.println();
    System.out.printf(
        "Ratios N=%,d / N=%,d (targets: warm ready <= 10 s, live heap <= 256 MB, both ratios <="
            + " 1.5, cold restore >= 50,000 referrals/s):%n%n",
        large, small);
    System.out.println("| service | warm ready ratio | live heap ratio (warm) |");
    System.out.println("|---|---:|---:|");
    for (String service : options.services()) {
      Result a = find(results, service, small);
      Result b = find(results, service, large);
      System.out.printf(
          Locale.ROOT,
          "| %s | %.2f | %.2f |%n",
          service,
          b.warm().readySeconds() / a.warm().readySeconds(),
          b.warm().liveHeapMb() / a.warm().liveHeapMb());
    }
  }

  private static Result find(List<Result> results, String service, int n) {
    return results.stream()
        .filter(r -> r.service().equals(service) && r.n() == n)
        .findFirst()
        .orElseThrow();
  }
}
