package org.referralexchange.bench;

import static org.referralexchange.bench.Harness.awaitReady;
import static org.referralexchange.bench.Harness.gcMillis;
import static org.referralexchange.bench.Harness.median;
import static org.referralexchange.bench.Harness.processCpuNanos;
import static org.referralexchange.bench.Harness.range;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.referralexchange.bench.minimal.MinimalReferralEndpoint;
import org.referralexchange.envelope.EnvelopeKeys;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.gateway.ReferralGatewayApplication;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * {@code POST /api/v1/referrals} answered after the broker's ack, against two baselines at the same
 * concurrency, in the same JVM and run: the minimal Spring Boot endpoint on the same stack ({@link
 * MinimalReferralEndpoint}: Tomcat, Spring Security with the API key, Jackson, Bean Validation of
 * the same body, {@code KafkaTemplate.send(...).get()}), the baseline of the targets, and a
 * plain Java loop doing {@code KafkaProducer.send(...).get()} with the same serializer. Not a JMH
 * benchmark: it starts an in-process KRaft broker, the stand-in schema registry, the gateway and
 * the minimal endpoint on free ports, records one consent, warms the three modes up, then measures
 * them in rotating order for a number of rounds and prints medians, gateway/minimal ratios (the
 * targets) and gateway/plain ratios (the earlier comparison).
 *
 * <p>Run it with {@code benchmarks/run-gateway.sh} (see BENCHMARKS.md); every loop is bounded by
 * time and stops by itself. Options (all optional): {@code --concurrency=8,1 --warmup-seconds=180
 * --seconds=10 --rounds=3 --profile-seconds=0 --profile-concurrency=8 --profile-mode=gateway}.
 *
 * <p>The warm-up runs 5-second slices of each mode at the highest concurrency until a slice of each
 * (the second or later) spent less than {@value #QUIET_JIT_SHARE_PERCENT}% of the machine's time in
 * the JIT compilers (CompilationMXBean's elapsed compilation time), or {@code --warmup-seconds} are
 * spent. A fixed 5 s was far too short: the gateway's stack is large, and on this 2-core machine
 * the compilers were then busy for most of the next 30 s of gateway load, halving the CPU left for
 * requests. With {@code --profile-seconds} above 0, one extra phase of {@code --profile-mode}
 * ({@code gateway}, {@code minimal} or {@code both}, one after the other) runs after the measured
 * rounds under Java Flight Recorder and a summary of where the CPU went is printed; it never
 * overlaps a measured phase.
 */
public final class GatewayPublishBenchmark {

  /** The plain loop's twin of {@code referral.submitted}, which the gateway does not read. */
  static final String PLAIN_TOPIC = "bench." + Topics.REFERRAL_SUBMITTED.name();

  /** The minimal endpoint's twin of {@code referral.submitted}, for the same reason. */
  static final String MINIMAL_TOPIC = "bench.minimal." + Topics.REFERRAL_SUBMITTED.name();

  /** The modes, baselines first; the ratios divide the gateway by each baseline. */
  static final List<String> MODES = List.of("plain", "minimal", "gateway");

  private static final String AGENCY_KEY = "local-county-hhs-key";
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration WARMUP_SLICE = Duration.ofSeconds(5);
  static final int QUIET_JIT_SHARE_PERCENT = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  private GatewayPublishBenchmark() {}

  /** The command line: which concurrencies, how long, how many rounds. */
  record Options(
      List<Integer> concurrencies,
      Duration warmup,
      Duration measure,
      int rounds,
      Duration profile,
      int profileConcurrency,
      List<String> profileModes) {

    static Options parse(String[] args) {
      Map<String, String> given = Harness.arguments(args);
      List<Integer> concurrencies =
          Arrays.stream(given.getOrDefault("concurrency", "8,1").split(","))
              .map(String::trim)
              .map(Integer::parseInt)
              .toList();
      Options options =
          new Options(
              concurrencies,
              // 90 s served two modes; with three the gateway got a third of the slices and was
              // still compiling through round 2.
              Duration.ofSeconds(Long.parseLong(given.getOrDefault("warmup-seconds", "180"))),
              Duration.ofSeconds(Long.parseLong(given.getOrDefault("seconds", "10"))),
              Integer.parseInt(given.getOrDefault("rounds", "3")),
              Duration.ofSeconds(Long.parseLong(given.getOrDefault("profile-seconds", "0"))),
              Integer.parseInt(
                  given.getOrDefault(
                      "profile-concurrency", Integer.toString(concurrencies.get(0)))),
              switch (given.getOrDefault("profile-mode", "gateway")) {
                case "gateway" -> List.of("gateway");
                case "minimal" -> List.of("minimal");
                case "both" -> List.of("minimal", "gateway");
                default ->
                    throw new IllegalArgumentException("--profile-mode: gateway, minimal or both");
              });
      if (concurrencies.stream().anyMatch(c -> c < 1 || c > 256)
          || options.rounds < 1
          || options.measure.isZero()) {
        throw new IllegalArgumentException("Concurrency 1-256, rounds and seconds at least 1");
      }
      return options;
    }
  }

  public static void main(String[] args) throws Exception {
    Harness.prepareJvm();
    Options options = Options.parse(args);
    long started = System.nanoTime();
    Harness.printRunHeader(options);

    EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
    ConfigurableApplicationContext registry = null;
    ConfigurableApplicationContext gateway = null;
    ConfigurableApplicationContext minimal = null;
    try {
      broker.afterPropertiesSet();
      String bootstrap = broker.getBrokersAsString();
      registry = Harness.startRegistry(bootstrap);
      String registryUrl = Harness.baseUrl(registry);
      gateway =
          new SpringApplicationBuilder(ReferralGatewayApplication.class)
              .run(
                  "--server.port=0",
                  "--server.address=127.0.0.1",
                  "--spring.kafka.bootstrap-servers=" + bootstrap,
                  "--spring.kafka.properties.schema.registry.url=" + registryUrl,
                  "--gateway.encryption.keyset-json=" + EnvelopeKeys.generateKeysetJson(),
                  "--gateway.hmac-secret=benchmark-only-hmac-secret",
                  "--gateway.limits.requests-per-minute=1000000",
                  "--spring.main.banner-mode=off",
                  "--logging.level.root=WARN");
      String base = Harness.baseUrl(gateway);
      minimal =
          MinimalReferralEndpoint.builder()
              .run(
                  "--server.port=0",
                  "--server.address=127.0.0.1",
                  "--spring.kafka.bootstrap-servers=" + bootstrap,
                  "--minimal.schema-registry-url=" + registryUrl,
                  "--minimal.topic=" + MINIMAL_TOPIC,
                  "--minimal.api-key-sha256=" + sha256Hex(AGENCY_KEY),
                  "--spring.main.banner-mode=off",
                  "--logging.level.root=WARN");
      String minimalBase = Harness.baseUrl(minimal);
      System.out.printf(
          "Broker %s, registry %s, gateway %s, minimal endpoint %s up after %.1f s%n",
          bootstrap, registryUrl, base, minimalBase, (System.nanoTime() - started) / 1e9);
      run(options, bootstrap, registryUrl, base, minimalBase);
    } finally {
      if (minimal != null) {
        minimal.close();
      }
      if (gateway != null) {
        gateway.close();
      }
      if (registry != null) {
        registry.close();
      }
      broker.destroy();
    }
    System.out.printf("Total %.0f s%n", (System.nanoTime() - started) / 1e9);
    // The broker and clients leave non-daemon threads behind now and then; the run is over.
    System.exit(0);
  }

  private static void run(
      Options options, String bootstrap, String registryUrl, String base, String minimalBase)
      throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    Harness.listFoodBank(bootstrap, registryUrl);
    awaitReady(http, base, "Gateway");
    createTwinTopic(bootstrap, registryUrl, PLAIN_TOPIC);
    createTwinTopic(bootstrap, registryUrl, MINIMAL_TOPIC);

    String clientId = "bench-client-1";
    HttpResponse<String> consent =
        http.send(
            post(base + "/api/v1/consents", Harness.consentBody(clientId)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (consent.statusCode() != 201) {
      throw new IllegalStateException(
          "Consent answered " + consent.statusCode() + ": " + consent.body());
    }
    String consentId = JSON.readTree(consent.body()).path("consentId").asText();
    byte[] referral = Harness.referralBody(consentId, clientId, "EMAIL", "SMS").getBytes();
    String referralsUrl = base + "/api/v1/referrals";
    String runId = Long.toString(System.currentTimeMillis(), 36);
    AtomicLong sequence = new AtomicLong();
    Call gatewayCall =
        () -> {
          HttpResponse<Void> response =
              submit(
                  http,
                  referralsUrl,
                  referral,
                  "bench-" + runId + "-" + sequence.incrementAndGet());
          if (response.statusCode() != 202) {
            return "HTTP " + response.statusCode();
          }
          // A replay is answered 202 too but publishes nothing; keys are unique, so it must not be.
          return response.headers().firstValue("Idempotent-Replayed").orElse("").equals("false")
              ? null
              : "replayed";
        };
    // The same request bytes and headers, to the minimal endpoint.
    String minimalUrl = minimalBase + "/api/v1/referrals";
    Call minimalCall =
        () -> {
          HttpResponse<Void> response =
              submit(
                  http, minimalUrl, referral, "bench-" + runId + "-" + sequence.incrementAndGet());
          return response.statusCode() == 202 ? null : "HTTP " + response.statusCode();
        };

    try (KafkaProducer<String, ReferralSubmitted> producer =
        plainProducer(bootstrap, registryUrl)) {
      ReferralSubmitted event = SampleEvents.referralSubmitted("ref-bench-plain");
      Call plainCall =
          () -> {
            producer
                .send(
                    new ProducerRecord<>(
                        PLAIN_TOPIC, "ref-bench-" + sequence.incrementAndGet(), event))
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return null;
          };
      Map<String, Call> modes =
          Map.of("plain", plainCall, "minimal", minimalCall, "gateway", gatewayCall);

      for (String mode : List.of("gateway", "minimal")) {
        String failed = modes.get(mode).call();
        if (failed != null) {
          throw new IllegalStateException("First referral (" + mode + ") failed: " + failed);
        }
      }
      RecordMetadata first =
          producer
              .send(new ProducerRecord<>(PLAIN_TOPIC, "ref-bench-0", event))
              .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      System.out.printf(
          "Record values: plain %d bytes, minimal %d bytes, gateway %d bytes%n",
          first.serializedValueSize(),
          recordSize(bootstrap, MINIMAL_TOPIC),
          recordSize(bootstrap, Topics.REFERRAL_SUBMITTED.name()));

      if (!options.profile.isZero()) {
        Profile.initialise();
      }
      int warmupConcurrency = options.concurrencies.stream().max(Integer::compare).orElseThrow();
      warmUp(options, warmupConcurrency, modes);

      List<Phase> phases = new ArrayList<>();
      for (int round = 1; round <= options.rounds; round++) {
        for (int i = 0; i < options.concurrencies.size(); i++) {
          int concurrency = options.concurrencies.get(i);
          // Each mode goes first, second and last in turn, so none always runs warmest or coldest.
          List<String> order = new ArrayList<>(MODES);
          java.util.Collections.rotate(order, round + i);
          for (String mode : order) {
            Phase phase = Phase.run(mode, concurrency, options.measure, modes.get(mode));
            phase.round = round;
            phases.add(phase);
            System.out.println("round " + round + "  " + phase.line());
          }
        }
      }
      Report.print(options, phases);

      if (!options.profile.isZero()) {
        for (String mode : options.profileModes) {
          Profile.run(
              options.profile,
              () -> Phase.run(mode, options.profileConcurrency, options.profile, modes.get(mode)));
        }
      }
    }
  }

  /** Slices of every mode until the JIT compilers are nearly idle in each, within the budget. */
  private static void warmUp(Options options, int concurrency, Map<String, Call> modes)
      throws InterruptedException {
    long deadline = System.nanoTime() + options.warmup.toNanos();
    Duration slice = options.warmup.compareTo(WARMUP_SLICE) < 0 ? options.warmup : WARMUP_SLICE;
    long quietJitMillis =
        slice.toMillis()
            * Runtime.getRuntime().availableProcessors()
            * QUIET_JIT_SHARE_PERCENT
            / 100;
    Map<String, Boolean> quiet = new HashMap<>();
    Map<String, Integer> slices = new HashMap<>();
    MODES.forEach(mode -> quiet.put(mode, false));
    MODES.forEach(mode -> slices.put(mode, 0));
    // The plain loop settles within a few slices; the HTTP modes need far more requests, so once a
    // mode is quiet (after two slices at least) the budget goes to the others.
    while (System.nanoTime() + slice.toNanos() <= deadline && quiet.containsValue(false)) {
      for (String mode : MODES) {
        if (quiet.get(mode) || System.nanoTime() + slice.toNanos() > deadline) {
          continue;
        }
        Phase warm = Phase.run(mode, concurrency, slice, modes.get(mode));
        slices.merge(mode, 1, Integer::sum);
        quiet.put(mode, slices.get(mode) >= 2 && warm.jitMillis < quietJitMillis);
        System.out.println("warm-up  " + warm.line());
      }
    }
    if (quiet.containsValue(false)) {
      System.out.println(
          "WARNING: warm-up budget spent while the JIT compilers were still busy: " + quiet);
    }
  }

  /** One request of a mode: null when it succeeded, else what went wrong. */
  @FunctionalInterface
  interface Call {
    String call() throws Exception;
  }

  /** One measured (or warm-up) phase: N threads calling one mode for a fixed time. */
  static final class Phase {
    final String mode;
    final int concurrency;
    final double seconds;
    final long[] latencies;
    final Map<String, Long> errors;
    final double cpuMicrosPerRequest;
    final long gcMillis;
    final long jitMillis;
    final long loadThreadCpuNanos;
    int round;

    private Phase(
        String mode,
        int concurrency,
        double seconds,
        long[] latencies,
        Map<String, Long> errors,
        double cpuMicrosPerRequest,
        long gcMillis,
        long jitMillis,
        long loadThreadCpuNanos) {
      this.loadThreadCpuNanos = loadThreadCpuNanos;
      this.gcMillis = gcMillis;
      this.jitMillis = jitMillis;
      this.mode = mode;
      this.concurrency = concurrency;
      this.seconds = seconds;
      this.latencies = latencies;
      this.errors = errors;
      this.cpuMicrosPerRequest = cpuMicrosPerRequest;
    }

    /**
     * Runs {@code concurrency} threads, each calling {@code call} back to back until {@code
     * duration} is over. Only calls that start and end within the window count; a slow call can
     * overrun the window by at most its own timeout.
     */
    static Phase run(String mode, int concurrency, Duration duration, Call call)
        throws InterruptedException {
      CountDownLatch ready = new CountDownLatch(concurrency);
      CountDownLatch go = new CountDownLatch(1);
      long[][] perThread = new long[concurrency][];
      int[] counts = new int[concurrency];
      Map<String, Long> errors = new ConcurrentHashMap<>();
      LongAdder erred = new LongAdder();
      LongAdder loadCpu = new LongAdder();
      long[] window = new long[2];
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < concurrency; t++) {
        int index = t;
        Thread thread =
            new Thread(
                () -> {
                  long[] mine = new long[1 << 14];
                  int n = 0;
                  ready.countDown();
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  long start = window[0];
                  long end = window[1];
                  long now;
                  while ((now = System.nanoTime()) < end) {
                    String error;
                    try {
                      error = call.call();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      break;
                    } catch (Exception e) {
                      Throwable cause = e.getCause() == null ? e : e.getCause();
                      error = cause.getClass().getSimpleName();
                    }
                    long done = System.nanoTime();
                    if (now < start || done > end) {
                      continue;
                    }
                    if (error != null) {
                      errors.merge(error, 1L, Long::sum);
                      erred.increment();
                    } else {
                      if (n == mine.length) {
                        mine = Arrays.copyOf(mine, n * 2);
                      }
                      mine[n++] = done - now;
                    }
                  }
                  perThread[index] = mine;
                  counts[index] = n;
                  loadCpu.add(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
                },
                "bench-" + mode + "-" + t);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
      ready.await();
      long cpuBefore = processCpuNanos();
      long gcBefore = gcMillis();
      long jitBefore = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
      window[0] = System.nanoTime();
      window[1] = window[0] + duration.toNanos();
      go.countDown();
      for (Thread thread : threads) {
        thread.join(duration.plus(CALL_TIMEOUT).plusSeconds(5).toMillis());
        if (thread.isAlive()) {
          throw new IllegalStateException(thread.getName() + " did not stop");
        }
      }
      long cpu = processCpuNanos() - cpuBefore;
      long gc = gcMillis() - gcBefore;
      long jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitBefore;
      int total = Arrays.stream(counts).sum();
      long[] all = new long[total];
      int at = 0;
      for (int t = 0; t < concurrency; t++) {
        System.arraycopy(perThread[t], 0, all, at, counts[t]);
        at += counts[t];
      }
      Arrays.sort(all);
      long requests = total + erred.sum();
      return new Phase(
          mode,
          concurrency,
          duration.toNanos() / 1e9,
          all,
          new TreeMap<>(errors),
          requests == 0 ? Double.NaN : cpu / 1e3 / requests,
          gc,
          jit,
          loadCpu.sum());
    }

    long requests() {
      return latencies.length + errorCount();
    }

    long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Successful requests per second of the window. */
    double throughput() {
      return latencies.length / seconds;
    }

    double percentileMillis(double p) {
      if (latencies.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(p * latencies.length) - 1;
      return latencies[Math.max(0, Math.min(index, latencies.length - 1))] / 1e6;
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "%-7s c=%-3d %7d req %5d err %9.1f req/s  p50 %7.2f ms  p99 %7.2f ms  %6.0f us CPU/req"
              + "  GC %5d ms  JIT %6d ms%s",
          mode,
          concurrency,
          requests(),
          errorCount(),
          throughput(),
          percentileMillis(0.50),
          percentileMillis(0.99),
          cpuMicrosPerRequest,
          gcMillis,
          jitMillis,
          errors.isEmpty() ? "" : "  errors " + errors);
    }
  }

  /** Medians over rounds and the ratios between modes, as Markdown tables. */
  static final class Report {

    static void print(Options options, List<Phase> phases) {
      System.out.println();
      System.out.println("Each round:");
      System.out.println();
      System.out.println(
          "| round | concurrency | mode | requests | errors | req/s | p50 ms | p99 ms | CPU µs/req |"
              + " GC ms | JIT ms |");
      System.out.println("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (Phase p : phases) {
        System.out.printf(
            Locale.ROOT,
            "| %d | %d | %s | %,d | %d | %,.0f | %.2f | %.2f | %,.0f | %,d | %,d |%n",
            p.round,
            p.concurrency,
            p.mode,
            p.requests(),
            p.errorCount(),
            p.throughput(),
            p.percentileMillis(0.50),
            p.percentileMillis(0.99),
            p.cpuMicrosPerRequest,
            p.gcMillis,
            p.jitMillis);
      }

      System.out.println();
      System.out.printf(
          "Medians of %d rounds of %d s (errors: total over the rounds):%n%n",
          options.rounds, options.measure.toSeconds());
      System.out.println(
          "| mode | concurrency | requests | errors | throughput req/s | p50 ms | p99 ms | CPU µs/req |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
      for (int concurrency : options.concurrencies) {
        for (String mode : MODES) {
          List<Phase> mine =
              phases.stream()
                  .filter(p -> p.concurrency == concurrency && p.mode.equals(mode))
                  .toList();
          System.out.printf(
              Locale.ROOT,
              "| %s | %d | %,.0f | %d | %,.0f | %.2f | %.2f | %,.0f |%n",
              mode,
              concurrency,
              medianOf(mine, p -> (double) p.requests()),
              mine.stream().mapToLong(Phase::errorCount).sum(),
              medianOf(mine, Phase::throughput),
              medianOf(mine, p -> p.percentileMillis(0.50)),
              medianOf(mine, p -> p.percentileMillis(0.99)),
              medianOf(mine, p -> p.cpuMicrosPerRequest));
        }
      }

      ratios(options, phases, "gateway", "minimal", true);
      ratios(options, phases, "gateway", "plain", false);
      ratios(options, phases, "minimal", "plain", false);
    }

    /**
     * One table of {@code mode}/{@code baseline} ratios; with {@code target}, whether the targets
     * (throughput at least 0.6, p99 at most 2) are met.
     */
    private static void ratios(
        Options options, List<Phase> phases, String mode, String baseline, boolean target) {
      String ratio = mode + "/" + baseline;
      System.out.println();
      System.out.println(
          "Ratios "
              + ratio
              + ", median of each round's own ratio (range)"
              + (target ? "; target: throughput ≥ 0.6, p99 ≤ 2.0:" : ":"));
      System.out.println();
      System.out.println(
          "| concurrency | throughput "
              + ratio
              + " | p99 "
              + ratio
              + " | p50 "
              + ratio
              + " | CPU per request "
              + ratio
              + (target ? " | target met |" : " |"));
      System.out.println(target ? "|---:|---:|---:|---:|---:|---|" : "|---:|---:|---:|---:|---:|");
      for (int concurrency : options.concurrencies) {
        List<Double> throughput = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int round = 1; round <= options.rounds; round++) {
          Phase base = find(phases, round, concurrency, baseline);
          Phase measured = find(phases, round, concurrency, mode);
          throughput.add(measured.throughput() / base.throughput());
          p99.add(measured.percentileMillis(0.99) / base.percentileMillis(0.99));
          p50.add(measured.percentileMillis(0.50) / base.percentileMillis(0.50));
          cpu.add(measured.cpuMicrosPerRequest / base.cpuMicrosPerRequest);
        }
        double t = median(throughput);
        double l = median(p99);
        System.out.printf(
            Locale.ROOT,
            "| %d | **%.2f** %s | **%.2f** %s | %.2f %s | %.2f %s |%s%n",
            concurrency,
            t,
            range(throughput),
            l,
            range(p99),
            median(p50),
            range(p50),
            median(cpu),
            range(cpu),
            !target
                ? ""
                : " "
                    + (t >= 0.6 ? "throughput yes" : "throughput NO")
                    + ", "
                    + (l <= 2.0 ? "p99 yes" : "p99 NO")
                    + " |");
      }
    }

    private static Phase find(List<Phase> phases, int round, int concurrency, String mode) {
      return phases.stream()
          .filter(p -> p.round == round && p.concurrency == concurrency && p.mode.equals(mode))
          .findFirst()
          .orElseThrow();
    }

    private static double medianOf(List<Phase> phases, Function<Phase, Double> value) {
      return median(phases.stream().map(value).toList());
    }
  }

  /**
   * One referral POST with its own Idempotency-Key, the same for the gateway and the minimal
   * endpoint.
   */
  private static HttpResponse<Void> submit(
      HttpClient http, String url, byte[] body, String idempotencyKey) throws Exception {
    return http.send(
        post(url, body).header("Idempotency-Key", idempotencyKey).build(),
        HttpResponse.BodyHandlers.discarding());
  }

  private static HttpRequest.Builder post(String url, String body) {
    return post(url, body.getBytes());
  }

  private static HttpRequest.Builder post(String url, byte[] body) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(CALL_TIMEOUT)
        .header("Content-Type", "application/json")
        .header("X-Api-Key", AGENCY_KEY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  /**
   * The baselines write to twins of {@code referral.submitted}: same partitions and settings, the
   * same schema registered under its subject. The gateway tails {@code referral.submitted}, so
   * records a baseline wrote there would cost the gateway's reader CPU during the baseline.
   */
  private static void createTwinTopic(String bootstrap, String registryUrl, String topic)
      throws Exception {
    TopicSpec spec = Topics.REFERRAL_SUBMITTED;
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(
              List.of(new NewTopic(topic, spec.partitions(), (short) -1).configs(spec.config())))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    SchemaRegistryClient client =
        new SchemaRegistryClient(
            SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl)));
    int twinId = client.register(topic + "-value", ReferralSubmitted.getClassSchema());
    int gatewayId = client.latest(spec.valueSubject()).id();
    if (twinId != gatewayId) {
      throw new IllegalStateException(
          "Schema ids differ: " + topic + " " + twinId + ", gateway " + gatewayId);
    }
  }

  /** The producer the gateway's KafkaWiring builds, without Spring: same serializer, same acks. */
  private static KafkaProducer<String, ReferralSubmitted> plainProducer(
      String bootstrap, String registryUrl) {
    return Harness.avroProducer(bootstrap, registryUrl, 0);
  }

  /** The hex SHA-256 of an API key, as the gateway's configuration holds keys. */
  private static String sha256Hex(String key) throws java.security.NoSuchAlgorithmException {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Size of one record value written to {@code topic}, read back raw. */
  private static int recordSize(String bootstrap, String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("enable.auto.commit", false);
    try (var consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(
            config,
            new org.apache.kafka.common.serialization.StringDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < deadline) {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
          return record.serializedValueSize();
        }
      }
    }
    return -1;
  }
}
