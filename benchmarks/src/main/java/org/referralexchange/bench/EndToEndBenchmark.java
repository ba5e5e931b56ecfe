package org.referralexchange.bench;

import static org.referralexchange.bench.Harness.awaitReady;
import static org.referralexchange.bench.Harness.loadAverage;
import static org.referralexchange.bench.Harness.processCpuNanos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.user.MessageDeliveryHandler;
import com.icegreen.greenmail.user.UserManager;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.demo.DemoAnswers;
import org.referralexchange.demo.webhook.DemoWebhookProvider;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.gateway.ReferralGatewayApplication;
import org.referralexchange.notifier.NotifierApplication;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole exchange at a fixed arrival rate, against plain Kafka clients moving the same Avro
 * records through the same two hops, in one JVM and one run. Not a JMH benchmark: it starts the
 * in-process KRaft broker and stand-in registry of test-support's {@code ExchangeInfrastructure},
 * GreenMail (SMTP on 127.0.0.1), the demo webhook provider {@code northside-food-bank} answering
 * "accepted" at once ({@code DemoAnswers(Duration.ZERO)}), and the gateway, the agency adapter and
 * the notifier with the arguments the local launcher passes (ticks shortened to {@code --tick}).
 *
 * <ul>
 *   <li>{@code exchange}: an open-loop generator POSTs referrals to {@code /api/v1/referrals} at
 *       fixed intervals, whether or not earlier ones are done ({@code HttpClient.sendAsync}); one
 *       referral is done when its email "Referral &lt;id&gt;: accepted by Northside Food Bank"
 *       reaches GreenMail (a delivery hook records the time). Path: gateway → {@code
 *       referral.submitted} → adapter → signed webhook → provider → signed status callback →
 *       adapter → {@code referral.status-changed} → notifier → SMTP.
 *   <li>{@code baseline}: the same generator hands a {@code ReferralSubmitted} ({@code
 *       SampleEvents}) to a {@code KafkaProducer} (our {@code AvroSerializer}, {@code acks=all},
 *       idempotent, {@code linger.ms=0}) for twin topic A; one relay thread polls A with our {@code
 *       AvroDeserializer}, builds a {@code ReferralStatusChanged} ACCEPTED from each record and
 *       sends it to twin topic B (acks awaited at the end of each poll); a consumer on B records
 *       arrival.
 * </ul>
 *
 * <p>Latency is measured from the <em>scheduled</em> send time (no coordinated omission). Each mode
 * steps its rate up a ladder; a step is sustained when nothing erred or arrived twice, the lag
 * (scheduled minus done) at the end of the step is at most one second of arrivals and at most half
 * a second of arrivals above the lag at mid-step, and every item is done within {@code
 * --drain-seconds} after the step. Then each mode runs at half its own highest sustained rate and
 * its latency percentiles are reported. Options (all optional): {@code
 * --rates=25,50,100,200,400,800,1600,3200,6400 --step-seconds=10 --half-seconds=20
 * --warmup-seconds=15 --warmup-rate=50 --drain-seconds=5 --tick=PT0.02S --refine=true}. The
 * services log at WARN; {@code -De2e.log=INFO} on the JVM command line raises that, for diagnosis.
 */
public final class EndToEndBenchmark {

  static final String PROVIDER = "northside-food-bank";

  /** The adapter's own local default for the demo provider (DemoProvidersComponent); no secret. */
  static final String WEBHOOK_SECRET = "whsec_bG9jYWwtb25seS1ub3J0aHNpZGUtc2VjcmV0";

  static final String AGENCY_KEY = "local-county-hhs-key";
  static final String TWIN_A = "bench.e2e." + Topics.REFERRAL_SUBMITTED.name();
  static final String TWIN_B = "bench.e2e." + Topics.REFERRAL_STATUS_CHANGED.name();
  static final String SUBJECT_PREFIX = "Referral ";

  /**
   * Followed by the provider's name as the directory lists it (the notifier names providers from
   * {@code provider.directory}, the id only when the directory does not know one).
   */
  static final String SUBJECT_ACCEPTED = ": accepted by ";

  /**
   * Spring Security's auto-configurations, as the local launcher (SpringServiceComponent) excludes
   * them for the adapter and the notifier: the gateway brings Spring Security onto the shared class
   * path.
   */
  static final String SECURITY_AUTO_CONFIGURATION =
      org.referralexchange.registry.SchemaRegistryApplication.SECURITY_AUTO_CONFIGURATION;

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private EndToEndBenchmark() {}

  /** The command line. */
  record Options(
      List<Integer> rates,
      Duration step,
      Duration half,
      Duration warmup,
      int warmupRate,
      Duration drain,
      Duration tick,
      boolean refine) {

    static Options parse(String[] args) {
      Map<String, String> given = Harness.arguments(args);
      Options options =
          new Options(
              Arrays.stream(
                      given
                          .getOrDefault("rates", "25,50,100,200,400,800,1600,3200,6400")
                          .split(","))
                  .map(String::trim)
                  .map(Integer::parseInt)
                  .toList(),
              Duration.ofSeconds(Long.parseLong(given.getOrDefault("step-seconds", "10"))),
              Duration.ofSeconds(Long.parseLong(given.getOrDefault("half-seconds", "20"))),
              Duration.ofSeconds(Long.parseLong(given.getOrDefault("warmup-seconds", "15"))),
              Integer.parseInt(given.getOrDefault("warmup-rate", "50")),
              Duration.ofSeconds(Long.parseLong(given.getOrDefault("drain-seconds", "5"))),
              Duration.parse(given.getOrDefault("tick", "PT0.02S")),
              Boolean.parseBoolean(given.getOrDefault("refine", "true")));
      if (options.rates.isEmpty()
          || options.rates.stream().anyMatch(r -> r < 1)
          || options.step.isZero()
          || options.half.isZero()
          || options.warmupRate < 1) {
        throw new IllegalArgumentException("rates, seconds and warmup-rate at least 1");
      }
      return options;
    }
  }

  public static void main(String[] args) throws Exception {
    Harness.prepareJvm();
    Options options = Options.parse(args);
    long started = System.nanoTime();
    Harness.printRunHeader(options);

    AtomicReference<Tracker> mailTracker = new AtomicReference<>();
    int smtpPort = freePort();
    GreenMail greenMail =
        new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    hookDeliveries(greenMail.getUserManager(), mailTracker);
    Path keyset = Files.createTempFile("e2e-bench-keyset-", ".json");
    AtomicReference<String> adapterUrl = new AtomicReference<>();
    DemoWebhookProvider provider = null;
    List<ConfigurableApplicationContext> services = new ArrayList<>();
    try {
      greenMail.start();
      Files.writeString(keyset, ExchangeInfrastructure.KEYSET);
      String bootstrap = ExchangeInfrastructure.bootstrapServers();
      String registryUrl = ExchangeInfrastructure.registryUrl();
      provider =
          DemoWebhookProvider.start(
              0, PROVIDER, WEBHOOK_SECRET, adapterUrl::get, new DemoAnswers(Duration.ZERO));
      int gatewayPort = freePort();
      String gatewayUrl = "http://127.0.0.1:" + gatewayPort;
      List<String> common =
          List.of(
              "--server.address=127.0.0.1",
              "--logging.include-application-name=false",
              "--spring.main.banner-mode=off",
              "--logging.level.root=" + System.getProperty("e2e.log", "WARN"),
              "--spring.kafka.bootstrap-servers=" + bootstrap,
              "--spring.kafka.properties.schema.registry.url=" + registryUrl);
      List<String> gatewayArgs = new ArrayList<>(common);
      gatewayArgs.addAll(
          List.of(
              "--server.port=" + gatewayPort,
              "--gateway.encryption.keyset-file=" + keyset,
              "--gateway.hmac-secret=benchmark-only-hmac-secret",
              "--gateway.limits.requests-per-minute=1000000"));
      List<String> adapterArgs = new ArrayList<>(common);
      adapterArgs.addAll(
          List.of(
              "--server.port=0",
              "--spring.autoconfigure.exclude=" + SECURITY_AUTO_CONFIGURATION,
              "--springdoc.api-docs.enabled=false",
              "--springdoc.swagger-ui.enabled=false",
              "--adapter.encryption.keyset-file=" + keyset,
              "--adapter.tick-interval=" + options.tick,
              "--adapter.minimum-poll-interval=PT2S",
              "--NORTHSIDE_WEBHOOK_URL=" + provider.endpoint(),
              "--NORTHSIDE_WEBHOOK_SECRET=" + WEBHOOK_SECRET,
              // No FHIR provider runs and no referral goes to riverside-housing.
              "--RIVERSIDE_FHIR_URL=http://127.0.0.1:9/fhir"));
      for (String p : List.of("NORTHSIDE", "RIVERSIDE")) {
        adapterArgs.addAll(
            List.of(
                "--" + p + "_POLL_INTERVAL=PT2S",
                "--" + p + "_OPENS_AT=00:00",
                "--" + p + "_CLOSES_AT=23:59:59.999",
                "--"
                    + p
                    + "_BUSINESS_DAYS=MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY"));
      }
      List<String> notifierArgs = new ArrayList<>(common);
      notifierArgs.addAll(
          List.of(
              "--server.port=0",
              "--spring.autoconfigure.exclude=" + SECURITY_AUTO_CONFIGURATION,
              "--springdoc.api-docs.enabled=false",
              "--springdoc.swagger-ui.enabled=false",
              "--spring.mail.host=127.0.0.1",
              "--spring.mail.port=" + smtpPort,
              "--notifier.tick-interval=" + options.tick,
              "--notifier.sms-quiet-hours=",
              "--notifier.gateway-base-url=" + gatewayUrl,
              "--notifier.twilio.enabled=false",
              // Its Kafka Streams stores: this run's own, as its broker is.
              "--exchange.streams.state-dir="
                  + java.nio.file.Files.createTempDirectory("e2e-notifier-streams")));

      // Started together, as the launcher does (TogetherComponent).
      Map<Class<?>, List<String>> toStart = new LinkedHashMap<>();
      toStart.put(ReferralGatewayApplication.class, gatewayArgs);
      toStart.put(AgencyAdapterApplication.class, adapterArgs);
      toStart.put(NotifierApplication.class, notifierArgs);
      Map<Class<?>, ConfigurableApplicationContext> contexts = startTogether(toStart);
      services.addAll(contexts.values());
      HttpClient probe = HttpClient.newHttpClient();
      String adapterBase = Harness.baseUrl(contexts.get(AgencyAdapterApplication.class));
      adapterUrl.set(adapterBase);
      awaitReady(probe, gatewayUrl, "Gateway");
      awaitReady(probe, adapterBase, "Adapter");
      awaitReady(probe, Harness.baseUrl(contexts.get(NotifierApplication.class)), "Notifier");
      createTwinTopics(bootstrap, registryUrl);
      System.out.printf(
          "Broker %s, registry %s, GreenMail 127.0.0.1:%d, provider %s, gateway %s, adapter %s up"
              + " after %.1f s; load average %s%n",
          bootstrap,
          registryUrl,
          smtpPort,
          provider.endpoint(),
          gatewayUrl,
          adapterBase,
          (System.nanoTime() - started) / 1e9,
          loadAverage());
      new Run(options, bootstrap, registryUrl, gatewayUrl, greenMail, mailTracker, provider).run();
    } finally {
      for (int i = services.size() - 1; i >= 0; i--) {
        services.get(i).close();
      }
      if (provider != null) {
        provider.close();
      }
      greenMail.stop();
      Files.deleteIfExists(keyset);
    }
    System.out.printf(
        "Total %.0f s; load average %s%n", (System.nanoTime() - started) / 1e9, loadAverage());
    System.exit(0); // the shared broker and registry stop in a shutdown hook
  }

  /**
   * Records the time each accepted email reaches GreenMail (after its DATA, before it is stored),
   * then lets GreenMail deliver it as usual.
   */
  private static void hookDeliveries(UserManager users, AtomicReference<Tracker> tracker) {
    MessageDeliveryHandler original = users.getMessageDeliveryHandler();
    users.setMessageDeliveryHandler(
        (message, address) -> {
          long now = System.nanoTime();
          String subject = message.getMessage().getSubject();
          Tracker current = tracker.get();
          int accepted = subject == null ? -1 : subject.indexOf(SUBJECT_ACCEPTED);
          if (current != null && accepted > 0 && subject.startsWith(SUBJECT_PREFIX)) {
            current.arrived(subject.substring(SUBJECT_PREFIX.length(), accepted), now);
          } else if (current != null) {
            current.other.increment();
          }
          return original.handle(message, address);
        });
  }

  private static Map<Class<?>, ConfigurableApplicationContext> startTogether(
      Map<Class<?>, List<String>> services) throws Exception {
    Map<Class<?>, ConfigurableApplicationContext> started = new ConcurrentHashMap<>();
    Map<Class<?>, Throwable> failed = new ConcurrentHashMap<>();
    List<Thread> threads = new ArrayList<>();
    services.forEach(
        (application, args) -> {
          Thread thread =
              new Thread(
                  () -> {
                    try {
                      started.put(
                          application,
                          new SpringApplicationBuilder(application)
                              .main(application)
                              .run(args.toArray(String[]::new)));
                    } catch (Throwable e) {
                      failed.put(application, e);
                    }
                  },
                  "start-" + application.getSimpleName());
          threads.add(thread);
          thread.start();
        });
    for (Thread thread : threads) {
      thread.join(TimeUnit.MINUTES.toMillis(3));
    }
    if (!failed.isEmpty() || started.size() < services.size()) {
      started.values().forEach(ConfigurableApplicationContext::close);
      Throwable first = failed.values().stream().findFirst().orElse(null);
      throw new IllegalStateException("Services did not start: " + failed.keySet(), first);
    }
    return started;
  }

  /** One fixed-rate phase of one mode: what was scheduled, done, erred, and when. */
  static final class Step {
    final String mode;
    final String kind;
    final int rate;
    final int items;
    final LongAdder completed = new LongAdder();
    final LongAdder erred = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final Map<String, Long> errors = new ConcurrentHashMap<>();
    private long[] latencies = new long[1024];
    private int count;
    long lagMid = -1;
    long lagEnd;
    long lagMax;
    long maxSenderDelayNanos;
    long missing;
    double seconds;
    double cpuMicrosPerItem;
    long[] sorted;

    Step(String mode, String kind, int rate, int items) {
      this.mode = mode;
      this.kind = kind;
      this.rate = rate;
      this.items = items;
    }

    synchronized void complete(long latencyNanos) {
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = latencyNanos;
      completed.increment();
    }

    void error(String what) {
      errors.merge(what, 1L, Long::sum);
      erred.increment();
    }

    synchronized void finish() {
      sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
    }

    double percentileMillis(double p) {
      if (sorted == null || sorted.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(p * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
    }

    double maxMillis() {
      return sorted == null || sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6;
    }

    boolean sustained() {
      return erred.sum() == 0
          && duplicates.sum() == 0
          && missing == 0
          && lagEnd <= rate
          && (lagMid < 0 || lagEnd <= lagMid + rate / 2);
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "%-8s %-6s %5d/s %6d sent %6d done %4d err %3d dup %5d missing  lag mid %5d end %5d max"
              + " %5d  p50 %8.1f ms  p99 %8.1f ms  max %8.1f ms  sender late %6.1f ms"
              + "  %6.0f us CPU/item  %s%s",
          mode,
          kind,
          rate,
          items,
          completed.sum(),
          erred.sum(),
          duplicates.sum(),
          missing,
          lagMid,
          lagEnd,
          lagMax,
          percentileMillis(0.50),
          percentileMillis(0.99),
          maxMillis(),
          maxSenderDelayNanos / 1e6,
          cpuMicrosPerItem,
          sustained() ? "sustained" : "NOT sustained",
          errors.isEmpty() ? "" : "  errors " + new TreeMap<>(errors));
    }
  }

  /**
   * Pairs each item's scheduled send time with its arrival, whichever is known first (an email
   * could, in principle, arrive before the gateway's 202 has been read), and counts arrivals twice.
   */
  static final class Tracker {
    private final Map<String, Pending> open = new HashMap<>();
    private final Map<String, Long> early = new HashMap<>();
    private final Map<String, Step> done = new HashMap<>();
    final LongAdder other = new LongAdder();
    long unknownDuplicates;

    record Pending(Step step, long scheduledNanos) {}

    synchronized void register(String id, Step step, long scheduledNanos) {
      Long at = early.remove(id);
      if (at != null) {
        done.put(id, step);
        step.complete(at - scheduledNanos);
      } else {
        open.put(id, new Pending(step, scheduledNanos));
      }
    }

    synchronized void arrived(String id, long nanos) {
      Step seen = done.get(id);
      if (seen != null) {
        seen.duplicates.increment();
        return;
      }
      Pending pending = open.remove(id);
      if (pending == null) {
        if (early.put(id, nanos) != null) {
          unknownDuplicates++;
        }
        return;
      }
      done.put(id, pending.step);
      pending.step.complete(nanos - pending.scheduledNanos);
    }
  }

  /** A thread's body. */
  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  /** How one mode sends one item; failures are counted on the step. */
  @FunctionalInterface
  interface Sender {
    void send(Step step, int seq, long scheduledNanos);
  }

  /** The modes, the generator and the report. */
  static final class Run {
    private final Options options;
    private final String bootstrap;
    private final String registryUrl;
    private final String gatewayUrl;
    private final GreenMail greenMail;
    private final AtomicReference<Tracker> mailTracker;
    private final DemoWebhookProvider provider;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final List<Step> steps = new ArrayList<>();
    private final ThreadCpu exchangeThreads = new ThreadCpu();
    private long exchangeHalfItems;
    private long exchangeHalfCpuNanos;

    Run(
        Options options,
        String bootstrap,
        String registryUrl,
        String gatewayUrl,
        GreenMail greenMail,
        AtomicReference<Tracker> mailTracker,
        DemoWebhookProvider provider) {
      this.options = options;
      this.bootstrap = bootstrap;
      this.registryUrl = registryUrl;
      this.gatewayUrl = gatewayUrl;
      this.greenMail = greenMail;
      this.mailTracker = mailTracker;
      this.provider = provider;
    }

    void run() throws Exception {
      Map<String, Integer> sustained = new HashMap<>();
      Map<String, Step> half = new HashMap<>();

      // Baseline first: its clients are closed before the exchange runs.
      Tracker baselineTracker = new Tracker();
      try (Baseline baseline = new Baseline(baselineTracker)) {
        baseline.start();
        int best = ladder("baseline", baselineTracker, baseline::send, null);
        sustained.put("baseline", best);
        if (best > 0) {
          half.put(
              "baseline",
              step("baseline", "half", baselineTracker, baseline::send, best / 2, options.half));
        }
      }

      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      String clientId = "e2e-client-" + runId;
      HttpResponse<String> consent =
          http.send(
              post(gatewayUrl + "/api/v1/consents", Harness.consentBody(clientId).getBytes())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (consent.statusCode() != 201) {
        throw new IllegalStateException(
            "Consent answered " + consent.statusCode() + ": " + consent.body());
      }
      String consentId = JSON.readTree(consent.body()).path("consentId").asText();
      byte[] referral = Harness.referralBody(consentId, clientId, "EMAIL").getBytes();
      Tracker exchangeTracker = new Tracker();
      mailTracker.set(exchangeTracker);
      String referralsUrl = gatewayUrl + "/api/v1/referrals";
      // One key per request of the whole run: a repeated key is answered as a replay.
      AtomicLong keys = new AtomicLong();
      Sender exchange =
          (step, seq, scheduled) ->
              http.sendAsync(
                      post(referralsUrl, referral)
                          .header("Idempotency-Key", "e2e-" + runId + "-" + keys.incrementAndGet())
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .whenComplete(
                      (response, failure) -> {
                        if (failure != null) {
                          Throwable cause =
                              failure.getCause() == null ? failure : failure.getCause();
                          step.error(cause.getClass().getSimpleName());
                        } else if (response.statusCode() != 202) {
                          step.error("HTTP " + response.statusCode());
                        } else if (!response
                            .headers()
                            .firstValue("Idempotent-Replayed")
                            .orElse("false")
                            .equals("false")) {
                          step.error("replayed");
                        } else {
                          try {
                            String id = JSON.readTree(response.body()).path("referralId").asText();
                            exchangeTracker.register(id, step, scheduled);
                          } catch (Exception e) {
                            step.error("unreadable 202");
                          }
                        }
                      });
      int best = ladder("exchange", exchangeTracker, exchange, greenMail);
      sustained.put("exchange", best);
      if (best > 0) {
        Map<Long, Long> before = exchangeThreads.snapshot();
        long cpuBefore = processCpuNanos();
        Step h = step("exchange", "half", exchangeTracker, exchange, best / 2, options.half);
        exchangeHalfCpuNanos = processCpuNanos() - cpuBefore;
        exchangeHalfItems = h.completed.sum();
        exchangeThreads.addSince(before);
        half.put("exchange", h);
      }
      System.out.printf(
          "Provider received %,d referrals; emails other than 'accepted': %d; early/unknown"
              + " duplicates: %d%n",
          provider.receivedReferralIds().size(),
          exchangeTracker.other.sum(),
          exchangeTracker.unknownDuplicates + baselineTracker.unknownDuplicates);
      report(sustained, half);
    }

    /** Warm-up, then the rates of the ladder until one is not sustained; returns the highest. */
    private int ladder(String mode, Tracker tracker, Sender sender, GreenMail mail)
        throws Exception {
      if (!options.warmup.isZero()) {
        step(mode, "warmup", tracker, sender, options.warmupRate, options.warmup);
      }
      int best = 0;
      int failedAt = 0;
      for (int rate : options.rates) {
        Step s = step(mode, "step", tracker, sender, rate, options.step);
        if (!s.sustained()) {
          failedAt = rate;
          break;
        }
        best = rate;
      }
      if (options.refine && best > 0 && failedAt > 0) {
        int between = (best + failedAt) / 2;
        if (between > best && between < failedAt) {
          Step s = step(mode, "step", tracker, sender, between, options.step);
          if (s.sustained()) {
            best = between;
          }
        }
      }
      return best;
    }

    /**
     * One open-loop phase: item i is due at start + i / rate whatever happened to the earlier ones;
     * then up to --drain-seconds for the rest, and longer (up to a minute, outside the step's
     * numbers) for a backlog to clear before the next phase.
     */
    private Step step(
        String mode, String kind, Tracker tracker, Sender sender, int rate, Duration duration)
        throws Exception {
      int items = (int) Math.max(1, rate * duration.toSeconds());
      Step step = new Step(mode, kind, rate, items);
      long cpuBefore = processCpuNanos();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
      long maxLate = 0;
      for (int i = 0; i < items; i++) {
        long due = start + (long) i * 1_000_000_000L / rate;
        long now;
        while ((now = System.nanoTime()) < due) {
          LockSupport.parkNanos(due - now);
        }
        maxLate = Math.max(maxLate, now - due);
        if (i > 0 && i % rate == 0) {
          long lag = i - step.completed.sum();
          step.lagMax = Math.max(step.lagMax, lag);
          if (i >= items / 2 && step.lagMid < 0) {
            step.lagMid = lag;
          }
        }
        try {
          sender.send(step, i, due);
        } catch (RuntimeException e) {
          step.error(e.getClass().getSimpleName());
        }
      }
      step.lagEnd = items - step.completed.sum();
      step.lagMax = Math.max(step.lagMax, step.lagEnd);
      step.maxSenderDelayNanos = maxLate;
      long end = System.nanoTime();
      long drainDeadline = end + options.drain.toNanos();
      while (step.completed.sum() + step.erred.sum() < items && System.nanoTime() < drainDeadline) {
        Thread.sleep(5);
      }
      step.seconds = (end - start) / 1e9;
      step.missing = items - step.completed.sum() - step.erred.sum();
      step.cpuMicrosPerItem =
          (processCpuNanos() - cpuBefore) / 1e3 / Math.max(1, step.completed.sum());
      step.finish();
      System.out.println(step.line());
      if (!kind.equals("warmup")) {
        steps.add(step);
      }
      // A backlog left by an overloaded step would load the next one: let it clear first.
      long quiet = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (step.completed.sum() + step.erred.sum() < items && System.nanoTime() < quiet) {
        Thread.sleep(20);
      }
      if (step.completed.sum() + step.erred.sum() < items) {
        System.out.printf(
            "WARNING: %d items of this step still not done after a minute%n",
            items - step.completed.sum() - step.erred.sum());
      }
      if (mode.equals("exchange")) {
        greenMail.purgeEmailFromAllMailboxes();
      }
      return step;
    }

    /** The baseline's producer, relay and arrival consumer. */
    final class Baseline implements AutoCloseable {
      private final Tracker tracker;
      private final KafkaProducer<String, SpecificRecord> producer = producer();
      private final KafkaProducer<String, SpecificRecord> relayProducer = producer();
      private final KafkaConsumer<String, SpecificRecord> relayConsumer = consumer(TWIN_A);
      private final KafkaConsumer<String, SpecificRecord> arrivals = consumer(TWIN_B);
      private final AtomicReference<Throwable> failure = new AtomicReference<>();
      private volatile boolean running = true;
      private final List<Thread> threads = new ArrayList<>();

      Baseline(Tracker tracker) {
        this.tracker = tracker;
      }

      void start() {
        threads.add(thread("bench-relay", this::relay));
        threads.add(thread("bench-arrivals", this::arrive));
      }

      void send(Step step, int seq, long scheduledNanos) {
        String id = "ref-" + runId + "-" + step.kind + "-" + step.rate + "-" + seq;
        tracker.register(id, step, scheduledNanos);
        producer.send(
            new ProducerRecord<>(TWIN_A, id, SampleEvents.referralSubmitted(id)),
            (metadata, e) -> {
              if (e != null) {
                step.error(e.getClass().getSimpleName());
              }
            });
      }

      private void relay() throws Exception {
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        while (running) {
          for (ConsumerRecord<String, SpecificRecord> record :
              relayConsumer.poll(Duration.ofMillis(100))) {
            ReferralSubmitted submitted = (ReferralSubmitted) record.value();
            ReferralStatusChanged accepted =
                ReferralStatusChanged.newBuilder()
                    .setEventId(UUID.randomUUID())
                    .setOccurredAt(Instant.now())
                    .setReferralId(submitted.getReferralId())
                    .setProviderId(submitted.getTarget().getProviderId())
                    .setStatus(ReferralStatus.ACCEPTED)
                    .setReason(null)
                    .setActor(
                        Actor.newBuilder()
                            .setRole(ActorRole.PROVIDER)
                            .setOrganizationId(submitted.getTarget().getProviderId())
                            .build())
                    .setOutcome(null)
                    .build();
            pending.add(
                relayProducer.send(
                    new ProducerRecord<>(TWIN_B, submitted.getReferralId(), accepted)));
          }
          for (Future<RecordMetadata> f : pending) {
            f.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          }
          pending.clear();
        }
      }

      private void arrive() {
        while (running) {
          for (ConsumerRecord<String, SpecificRecord> record :
              arrivals.poll(Duration.ofMillis(100))) {
            if (record.value() instanceof ReferralStatusChanged) {
              tracker.arrived(record.key(), System.nanoTime());
            }
          }
        }
      }

      private Thread thread(String name, Body body) {
        Thread thread =
            new Thread(
                () -> {
                  try {
                    body.run();
                  } catch (Throwable e) {
                    failure.set(e);
                    System.out.println(name + " failed: " + e);
                  }
                },
                name);
        thread.setDaemon(true);
        thread.start();
        return thread;
      }

      @Override
      public void close() throws Exception {
        running = false;
        for (Thread thread : threads) {
          thread.join(CALL_TIMEOUT.toMillis());
        }
        producer.close(Duration.ofSeconds(5));
        relayProducer.close(Duration.ofSeconds(5));
        relayConsumer.close(Duration.ofSeconds(5));
        arrivals.close(Duration.ofSeconds(5));
        if (failure.get() != null) {
          throw new IllegalStateException("The baseline failed", failure.get());
        }
      }

      /** As the services' producers (ExchangeKafkaAutoConfiguration): acks=all, idempotent. */
      private KafkaProducer<String, SpecificRecord> producer() {
        return Harness.avroProducer(bootstrap, registryUrl, 0);
      }

      /** Assigned every partition of the topic, at its end, no group. */
      private KafkaConsumer<String, SpecificRecord> consumer(String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
        values.configure(config, false);
        KafkaConsumer<String, SpecificRecord> consumer =
            new KafkaConsumer<>(config, new StringDeserializer(), values);
        List<TopicPartition> partitions =
            consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end now, not at the first poll
        return consumer;
      }
    }

    private void report(Map<String, Integer> sustained, Map<String, Step> half) {
      System.out.println();
      System.out.println("Each step (latency from the scheduled send; lag = scheduled − done):");
      System.out.println();
      System.out.println(
          "| mode | phase | rate /s | sent | done | errors | duplicates | missing | lag mid | lag"
              + " end | p50 ms | p99 ms | max ms | CPU µs/item | sustained |");
      System.out.println(
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
      for (Step s : steps) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %,d | %,d | %,d | %d | %d | %d | %d | %d | %.1f | %.1f | %.1f | %,.0f |"
                + " %s |%n",
            s.mode,
            s.kind,
            s.rate,
            s.items,
            s.completed.sum(),
            s.erred.sum(),
            s.duplicates.sum(),
            s.missing,
            s.lagMid,
            s.lagEnd,
            s.percentileMillis(0.50),
            s.percentileMillis(0.99),
            s.maxMillis(),
            s.cpuMicrosPerItem,
            s.kind.equals("half") ? "–" : s.sustained() ? "yes" : "no");
      }
      System.out.println();
      System.out.printf(
          "Summary (steps of %d s; half rate for %d s):%n%n",
          options.step.toSeconds(), options.half.toSeconds());
      System.out.println(
          "| mode | highest sustained rate /s | half rate /s | p50 ms | p99 ms | max ms | errors |"
              + " duplicates | missing |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (String mode : List.of("exchange", "baseline")) {
        Step h = half.get(mode);
        long errors =
            steps.stream().filter(s -> s.mode.equals(mode)).mapToLong(s -> s.erred.sum()).sum();
        long duplicates =
            steps.stream()
                .filter(s -> s.mode.equals(mode))
                .mapToLong(s -> s.duplicates.sum())
                .sum();
        System.out.printf(
            Locale.ROOT,
            "| %s | %,d | %s | %s | %s | %s | %d | %d | %s |%n",
            mode,
            sustained.getOrDefault(mode, 0),
            h == null ? "–" : String.format(Locale.ROOT, "%,d", h.rate),
            h == null ? "–" : String.format(Locale.ROOT, "%.1f", h.percentileMillis(0.50)),
            h == null ? "–" : String.format(Locale.ROOT, "%.1f", h.percentileMillis(0.99)),
            h == null ? "–" : String.format(Locale.ROOT, "%.1f", h.maxMillis()),
            errors,
            duplicates,
            h == null ? "–" : Long.toString(h.missing));
      }
      System.out.println();
      if (exchangeHalfItems > 0) {
        Harness.printCpuByThread(
            "Exchange at half rate, CPU by thread (user + kernel, threads alive at the end)",
            "referral",
            exchangeThreads.byGroup(),
            exchangeHalfCpuNanos,
            exchangeHalfItems,
            0.01);
      }
      int exchange = sustained.getOrDefault("exchange", 0);
      int baseline = sustained.getOrDefault("baseline", 0);
      double ratio = baseline == 0 ? Double.NaN : (double) exchange / baseline;
      boolean ladderTop = baseline == options.rates.get(options.rates.size() - 1);
      System.out.printf(
          Locale.ROOT,
          "Target sustained rate exchange/baseline >= 0.5: %d / %d = %.2f -> %s%s%n",
          exchange,
          baseline,
          ratio,
          ratio >= 0.5 ? "met" : "MISSED",
          ladderTop ? " (the baseline sustained the top of the ladder: its rate is a floor)" : "");
      Step h = half.get("exchange");
      double p99 = h == null ? Double.NaN : h.percentileMillis(0.99);
      System.out.printf(
          Locale.ROOT,
          "Target exchange p99 at half rate <= 250 ms: %.1f ms -> %s%n",
          p99,
          p99 <= 250 ? "met" : "MISSED");
    }
  }

  private static HttpRequest.Builder post(String url, byte[] body) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(CALL_TIMEOUT)
        .header("Content-Type", "application/json")
        .header("X-Api-Key", AGENCY_KEY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  /**
   * Twins of {@code referral.submitted} and {@code referral.status-changed} for the baseline: same
   * partitions and settings, the same schemas (same ids, checked). No service reads them.
   */
  private static void createTwinTopics(String bootstrap, String registryUrl) throws Exception {
    SchemaRegistryClient client =
        new SchemaRegistryClient(
            SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl)));
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Map<String, TopicSpec> twins =
          Map.of(TWIN_A, Topics.REFERRAL_SUBMITTED, TWIN_B, Topics.REFERRAL_STATUS_CHANGED);
      for (Map.Entry<String, TopicSpec> twin : twins.entrySet()) {
        TopicSpec spec = twin.getValue();
        admin
            .createTopics(
                List.of(
                    new NewTopic(twin.getKey(), spec.partitions(), (short) -1)
                        .configs(spec.config())))
            .all()
            .get(30, TimeUnit.SECONDS);
        int twinId = client.register(twin.getKey() + "-value", spec.valueSchema());
        int realId = client.latest(spec.valueSubject()).id();
        if (twinId != realId) {
          throw new IllegalStateException(
              "Schema ids differ for " + twin.getKey() + ": " + twinId + " against " + realId);
        }
      }
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
