package org.referralexchange.bench;

import static org.referralexchange.bench.Harness.awaitReady;
import static org.referralexchange.bench.Harness.gcMillis;
import static org.referralexchange.bench.Harness.median;
import static org.referralexchange.bench.Harness.processCpuNanos;
import static org.referralexchange.bench.Harness.range;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.referralexchange.adapter.AgencyAdapterApplication;
import org.referralexchange.envelope.EnvelopeCipher;
import org.referralexchange.envelope.EnvelopeKeys;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ClientBlock;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentRecipients;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentReference;
import org.referralexchange.events.v1.Identifier;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralNarrative;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.events.v1.ServiceTarget;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The agency adapter's hop from Kafka in to Kafka out, with a webhook provider that answers at
 * once, against a plain {@code KafkaConsumer} to {@code KafkaProducer} relay with the same serde,
 * in the same JVM and run. Not a JMH benchmark: it starts an in-process KRaft broker, the stand-in
 * registry, a JDK {@code HttpServer} playing the provider (202 to every POST, requests counted) and
 * the adapter ({@code AgencyAdapterApplication}, one webhook provider, a short tick).
 *
 * <p>One phase: a loader publishes N sealed {@code ReferralSubmitted} events at full speed (async,
 * batched) to the phase's input topic, and the phase lasts from the loader's first send until the
 * N-th record of the phase is seen on the output topic by a counting consumer. Modes:
 *
 * <ul>
 *   <li>{@code adapter}: input {@code referral.submitted}, output {@code referral.delivered}; the
 *       adapter reads, checks the consent, opens the client data, translates, POSTs to the provider
 *       and publishes {@code ReferralDelivered} with {@code send().get()}. The phase's consents are
 *       published (and read by the adapter) before the phase starts.
 *   <li>{@code plain}: input {@code bench.referral.submitted}, output {@code
 *       bench.referral.delivered} (twins: same partitions, settings and schema ids); one thread
 *       polls a {@code KafkaConsumer} with our {@code AvroDeserializer} (specific reader), builds
 *       the {@code ReferralDelivered} the adapter would, and sends it with our {@code
 *       AvroSerializer} ({@code acks=all}, idempotent, {@code linger.ms=0}) and {@code
 *       send().get()} per record, as the adapter does.
 *   <li>{@code plain-batched}: the same, but all records of one poll are sent before waiting for
 *       their acks.
 * </ul>
 *
 * <p>Every mode in a round relays the same N events (the adapter's copies keyed by their own
 * referral ids). Rounds rotate the order of the modes. Every loop is bounded by a deadline. Options
 * (all optional): {@code --events=3000 --rounds=5 --warmup-rounds=6 --tick=PT0.01S
 * --modes=adapter,plain,plain-batched --phase-timeout-seconds=120 --answer=true}.
 *
 * <p>With {@code --answer=true} (the default) the harness records each delivered referral as
 * accepted by the provider ({@code ReferralStatusChanged}, actor PROVIDER, as a webhook callback
 * would) after every adapter phase, outside the measurement. Otherwise every referral of every
 * earlier round stays open and the adapter's response clock and delivery worker scan all of them on
 * every tick, so each round would measure a larger backlog of open referrals than the last.
 */
public final class AdapterRelayBenchmark {

  static final String PLAIN_IN = "bench." + Topics.REFERRAL_SUBMITTED.name();
  static final String PLAIN_OUT = "bench." + Topics.REFERRAL_DELIVERED.name();
  static final String PROVIDER = "bench-provider";
  static final String SECRET = "whsec_YmVuY2gtb25seS13ZWJob29rLXNlY3JldC0xMjM0NQ==";
  static final List<String> ALL_MODES = List.of("adapter", "plain", "plain-batched");
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private AdapterRelayBenchmark() {}

  /** The command line. */
  record Options(
      int events,
      int rounds,
      int warmupRounds,
      Duration tick,
      List<String> modes,
      Duration phaseTimeout,
      boolean answer) {

    static Options parse(String[] args) {
      Map<String, String> given = Harness.arguments(args);
      Options options =
          new Options(
              Integer.parseInt(given.getOrDefault("events", "3000")),
              Integer.parseInt(given.getOrDefault("rounds", "5")),
              Integer.parseInt(given.getOrDefault("warmup-rounds", "6")),
              Duration.parse(given.getOrDefault("tick", "PT0.01S")),
              List.of(given.getOrDefault("modes", String.join(",", ALL_MODES)).split(",")),
              Duration.ofSeconds(
                  Long.parseLong(given.getOrDefault("phase-timeout-seconds", "120"))),
              Boolean.parseBoolean(given.getOrDefault("answer", "true")));
      if (options.events < 1
          || options.rounds < 1
          || options.warmupRounds < 0
          || !ALL_MODES.containsAll(options.modes)
          || !options.modes.contains("adapter")
          || options.modes.size() < 2) {
        throw new IllegalArgumentException(
            "events and rounds at least 1; modes: adapter and at least one of plain, plain-batched");
      }
      return options;
    }
  }

  public static void main(String[] args) throws Exception {
    Harness.prepareJvm();
    // The provider stand-in answers in one write; no Nagle delay on its side of loopback.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    Options options = Options.parse(args);
    long started = System.nanoTime();
    Harness.printRunHeader(options);

    AtomicLong providerRequests = new AtomicLong();
    HttpServer provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    provider.createContext(
        "/",
        exchange -> {
          try (InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
          }
          providerRequests.incrementAndGet();
          exchange.sendResponseHeaders(202, -1);
          exchange.close();
        });
    provider.start();
    String providerUrl =
        "http://127.0.0.1:" + provider.getAddress().getPort() + "/webhooks/referrals";

    EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
    ConfigurableApplicationContext registry = null;
    ConfigurableApplicationContext adapter = null;
    try {
      broker.afterPropertiesSet();
      String bootstrap = broker.getBrokersAsString();
      registry = Harness.startRegistry(bootstrap);
      String registryUrl = Harness.baseUrl(registry);
      String keyset = EnvelopeKeys.generateKeysetJson();
      List<String> adapterArgs =
          new ArrayList<>(
              List.of(
                  "--server.port=0",
                  "--server.address=127.0.0.1",
                  "--spring.kafka.bootstrap-servers=" + bootstrap,
                  "--spring.kafka.properties.schema.registry.url=" + registryUrl,
                  "--adapter.encryption.keyset-json=" + keyset,
                  "--adapter.minimum-poll-interval=PT0S",
                  "--adapter.tick-interval=" + options.tick,
                  "--spring.main.banner-mode=off",
                  "--logging.level.root=WARN"));
      String p = "--adapter.providers[0].";
      adapterArgs.addAll(
          List.of(
              p + "id=" + PROVIDER,
              p + "name=Bench provider",
              p + "kind=webhook",
              p + "endpoint=" + providerUrl,
              p + "secret=" + SECRET,
              p + "allowed-fields=givenName,familyName,phone,preferredLanguage,narrative",
              p + "service-categories=food",
              p + "time-zone=UTC",
              p + "opens-at=00:00",
              p + "closes-at=23:59:59.999",
              p + "business-days=MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY",
              p + "response-window=P2D",
              p + "grace=P2D",
              p + "poll-interval=PT15M",
              p + "enabled=true"));
      adapter =
          new SpringApplicationBuilder(AgencyAdapterApplication.class)
              .run(adapterArgs.toArray(String[]::new));
      String base = Harness.baseUrl(adapter);
      awaitReady(HttpClient.newHttpClient(), base, "Adapter");
      createTwinTopics(bootstrap, registryUrl);
      System.out.printf(
          "Broker %s, registry %s, provider %s, adapter %s up after %.1f s%n",
          bootstrap, registryUrl, providerUrl, base, (System.nanoTime() - started) / 1e9);
      new Run(
              options,
              bootstrap,
              registryUrl,
              EnvelopeCipher.fromKeysetJson(keyset),
              providerRequests,
              providerUrl)
          .run();
    } finally {
      if (adapter != null) {
        adapter.close();
      }
      if (registry != null) {
        registry.close();
      }
      broker.destroy();
      provider.stop(0);
    }
    System.out.printf("Total %.0f s%n", (System.nanoTime() - started) / 1e9);
    System.exit(0);
  }

  /** One measured (or warm-up) phase of one mode. */
  record Phase(
      int round,
      String mode,
      int events,
      long delivered,
      long failed,
      double seconds,
      double loadSeconds,
      double cpuMicrosPerEvent,
      long gcMillis,
      long jitMillis,
      long providerRequests) {

    double throughput() {
      return delivered / seconds;
    }

    boolean complete() {
      return delivered >= events && failed == 0;
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "%-13s %6d events %6d out %3d failed %7.2f s %8.1f events/s  load %5.2f s"
              + "  %6.0f us CPU/event  GC %5d ms  JIT %6d ms  provider %d",
          mode,
          events,
          delivered,
          failed,
          seconds,
          throughput(),
          loadSeconds,
          cpuMicrosPerEvent,
          gcMillis,
          jitMillis,
          providerRequests);
    }
  }

  /** The rounds, the loader, the relay and the counting consumer. */
  static final class Run {
    private final Options options;
    private final String bootstrap;
    private final String registryUrl;
    private final EnvelopeCipher cipher;
    private final AtomicLong providerRequests;
    private final String providerUrl;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final ThreadCpu adapterThreads = new ThreadCpu();
    private long adapterEvents;
    private long adapterCpuNanos;

    Run(
        Options options,
        String bootstrap,
        String registryUrl,
        EnvelopeCipher cipher,
        AtomicLong providerRequests,
        String providerUrl) {
      this.providerUrl = providerUrl;
      this.options = options;
      this.bootstrap = bootstrap;
      this.registryUrl = registryUrl;
      this.cipher = cipher;
      this.providerRequests = providerRequests;
    }

    void run() throws Exception {
      try (KafkaProducer<String, SpecificRecord> loader = loader()) {
        int sample = serializedSize(loader);
        System.out.printf("ReferralSubmitted record value: %d bytes%n", sample);
        List<Phase> phases = new ArrayList<>();
        int total = options.warmupRounds + options.rounds;
        for (int r = 1; r <= total; r++) {
          boolean warm = r <= options.warmupRounds;
          int round = warm ? 0 : r - options.warmupRounds;
          if (r == options.warmupRounds + 1) {
            idle();
            httpProbe();
          }
          List<String> order = rotate(options.modes, r - 1);
          for (String mode : order) {
            Phase phase = phase(loader, r, round, mode);
            System.out.println((warm ? "warm-up  " : "round " + round + "  ") + phase.line());
            if (!warm) {
              phases.add(phase);
            }
          }
        }
        report(phases);
      }
    }

    /**
     * One HTTP round trip to the provider stand-in, alone: 2,000 sequential signed-size POSTs with
     * a {@code java.net.http} client configured as the webhook adapter's (HTTP/1.1, keep-alive).
     */
    private void httpProbe() throws Exception {
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .followRedirects(HttpClient.Redirect.NEVER)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      byte[] body = new byte[1500];
      java.util.Arrays.fill(body, (byte) 'x');
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(providerUrl))
              .timeout(CALL_TIMEOUT)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      int n = 2000;
      for (int i = 0; i < 500; i++) {
        http.send(request, HttpResponse.BodyHandlers.ofString());
      }
      long cpuBefore = processCpuNanos();
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        http.send(request, HttpResponse.BodyHandlers.ofString());
      }
      long wall = System.nanoTime() - start;
      long cpu = processCpuNanos() - cpuBefore;
      System.out.printf(
          Locale.ROOT,
          "http     %d sequential POSTs to the provider stand-in: %.0f µs per round trip,"
              + " %.0f µs process CPU each (idle background included)%n",
          n,
          wall / 1e3 / n,
          cpu / 1e3 / n);
    }

    /**
     * What the JVM burns with nothing to relay: the broker, the adapter's ticks scanning its views,
     * the registry. Every phase pays it, the baseline's too.
     */
    private void idle() throws InterruptedException {
      Duration idle = Duration.ofSeconds(3);
      long cpuBefore = processCpuNanos();
      long start = System.nanoTime();
      Thread.sleep(idle.toMillis());
      double share = (processCpuNanos() - cpuBefore) / (double) (System.nanoTime() - start);
      System.out.printf(
          Locale.ROOT,
          "idle     %.1f s with nothing to relay: %.0f ms CPU per second (%.0f%% of one core)%n",
          idle.toMillis() / 1e3,
          share * 1e3,
          share * 100);
    }

    private static List<String> rotate(List<String> modes, int by) {
      List<String> order = new ArrayList<>();
      for (int i = 0; i < modes.size(); i++) {
        order.add(modes.get((i + by) % modes.size()));
      }
      return order;
    }

    private Phase phase(KafkaProducer<String, SpecificRecord> loader, int r, int round, String mode)
        throws Exception {
      boolean adapter = mode.equals("adapter");
      String prefix = "ref-" + runId + "-" + r + "-" + mode + "-";
      List<ReferralSubmitted> events = new ArrayList<>(options.events);
      List<ConsentRecorded> consents = new ArrayList<>(options.events);
      Instant now = Instant.now();
      for (int i = 0; i < options.events; i++) {
        String referralId = prefix + i;
        String consentId = "cns-" + referralId;
        String pseudonym = "cl-" + UUID.nameUUIDFromBytes(referralId.getBytes());
        events.add(referral(referralId, consentId, pseudonym, now));
        consents.add(consent(consentId, pseudonym, now));
      }
      if (adapter) {
        // The consents are there before the referrals: the hop measured is the referral's.
        for (ConsentRecorded consent : consents) {
          loader.send(
              new ProducerRecord<>(
                  Topics.CONSENT_EVENTS.name(), consent.getConsent().getConsentId(), consent));
        }
        loader.flush();
        Thread.sleep(1000);
      }
      String in = adapter ? Topics.REFERRAL_SUBMITTED.name() : PLAIN_IN;
      String out = adapter ? Topics.REFERRAL_DELIVERED.name() : PLAIN_OUT;

      try (KafkaConsumer<String, byte[]> counter =
          counter(adapter ? List.of(out, Topics.REFERRAL_STATUS_CHANGED.name()) : List.of(out))) {
        Relay relay = adapter ? null : new Relay(mode.equals("plain-batched"), in, out);
        Map<Long, Long> threadsBefore = adapterThreads.snapshot();
        long requestsBefore = providerRequests.get();
        long cpuBefore = processCpuNanos();
        long gcBefore = gcMillis();
        long jitBefore = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        long start = System.nanoTime();
        long deadline = start + options.phaseTimeout.toNanos();
        if (relay != null) {
          relay.start(deadline, options.events);
        }
        AtomicLong loadedAt = new AtomicLong();
        AtomicReference<Exception> loadFailed = new AtomicReference<>();
        Thread load =
            new Thread(
                () -> {
                  try {
                    List<Future<RecordMetadata>> sent = new ArrayList<>(events.size());
                    for (ReferralSubmitted event : events) {
                      sent.add(loader.send(new ProducerRecord<>(in, event.getReferralId(), event)));
                    }
                    for (Future<RecordMetadata> f : sent) {
                      f.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    loadedAt.set(System.nanoTime());
                  } catch (Exception e) {
                    loadFailed.set(e);
                  }
                },
                "bench-loader");
        load.setDaemon(true);
        load.start();

        long delivered = 0;
        long failed = 0;
        long end = start;
        while (delivered < options.events && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, byte[]> record : counter.poll(Duration.ofMillis(20))) {
            if (record.key() == null || !record.key().startsWith(prefix)) {
              continue;
            }
            if (record.topic().equals(out)) {
              delivered++;
              end = System.nanoTime();
            } else {
              failed++; // the adapter gave up on one: cancelled or failed
            }
          }
          if (loadFailed.get() != null) {
            throw new IllegalStateException("Loader failed", loadFailed.get());
          }
        }
        long cpu = processCpuNanos() - cpuBefore;
        if (adapter && round > 0) {
          adapterThreads.addSince(threadsBefore);
          adapterEvents += delivered;
          adapterCpuNanos += cpu;
        }
        long gc = gcMillis() - gcBefore;
        long jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitBefore;
        load.join(CALL_TIMEOUT.toMillis() * 2);
        if (relay != null) {
          relay.stop();
        }
        if (delivered < options.events) {
          end = System.nanoTime();
          System.out.printf(
              "WARNING: %s phase timed out with %d of %d delivered%n",
              mode, delivered, options.events);
        }
        long requests = providerRequests.get() - requestsBefore;
        if (adapter && options.answer) {
          answer(loader, events);
        }
        return new Phase(
            round,
            mode,
            options.events,
            delivered,
            failed,
            (end - start) / 1e9,
            loadedAt.get() == 0 ? Double.NaN : (loadedAt.get() - start) / 1e9,
            cpu / 1e3 / Math.max(1, delivered),
            gc,
            jit,
            requests);
      }
    }

    /** The provider accepts every referral of the phase, as its callback would record it. */
    private void answer(
        KafkaProducer<String, SpecificRecord> loader, List<ReferralSubmitted> events)
        throws Exception {
      Instant now = Instant.now();
      for (ReferralSubmitted event : events) {
        String referralId = event.getReferralId();
        loader.send(
            new ProducerRecord<>(
                Topics.REFERRAL_STATUS_CHANGED.name(),
                referralId,
                ReferralStatusChanged.newBuilder()
                    .setEventId(UUID.nameUUIDFromBytes(("accepted:" + referralId).getBytes()))
                    .setOccurredAt(now)
                    .setReferralId(referralId)
                    .setProviderId(PROVIDER)
                    .setStatus(ReferralStatus.ACCEPTED)
                    .setActor(
                        Actor.newBuilder()
                            .setRole(ActorRole.PROVIDER)
                            .setOrganizationId(PROVIDER)
                            .build())
                    .setProviderReference(referralId)
                    .build()));
      }
      loader.flush();
      Thread.sleep(1000);
    }

    /**
     * A referral as AdapterFlowTests submits it: sealed identity and narrative, its own consent.
     */
    private ReferralSubmitted referral(
        String referralId, String consentId, String pseudonym, Instant now) {
      ClientIdentity identity =
          ClientIdentity.newBuilder()
              .setGivenName("Alex")
              .setFamilyName("Example")
              .setBirthDate(LocalDate.of(1980, 2, 29))
              .setPhone("+15555550199")
              .setEmail("alex.example@example.org")
              .setIdentifiers(
                  List.of(
                      Identifier.newBuilder().setSystem("urn:mrn").setValue("MRN-4471").build()))
              .build();
      return ReferralSubmitted.newBuilder(SampleEvents.referralSubmitted(referralId))
          .setEventId(UUID.nameUUIDFromBytes(("submitted:" + referralId).getBytes()))
          .setOccurredAt(now)
          .setTarget(
              ServiceTarget.newBuilder()
                  .setProviderId(PROVIDER)
                  .setServiceId("emergency-groceries")
                  .build())
          .setRespondBy(now.plus(Duration.ofDays(2)))
          .setConsent(
              ConsentReference.newBuilder()
                  .setConsentId(consentId)
                  .setInformationCategories(
                      List.of(InformationCategory.DEMOGRAPHICS, InformationCategory.SOCIAL_NEEDS))
                  .setPurpose("COC")
                  .build())
          .setClient(
              ClientBlock.newBuilder()
                  .setClientPseudonym(pseudonym)
                  .setIdentity(cipher.seal(identity, referralId))
                  .build())
          .setNarrative(
              cipher.seal(
                  ReferralNarrative.newBuilder()
                      .setNeedsDescription("Needs groceries for a family of three")
                      .setGoals(List.of("Groceries for two weeks"))
                      .setNotes("Call after 5pm")
                      .build(),
                  referralId))
          .build();
    }

    private static ConsentRecorded consent(String consentId, String pseudonym, Instant now) {
      ConsentRecorded sample = SampleEvents.consentRecorded(consentId);
      ConsentDetails details =
          ConsentDetails.newBuilder(sample.getConsent())
              .setClientPseudonym(pseudonym)
              .setRecipients(
                  ConsentRecipients.newBuilder().setProviderIds(List.of(PROVIDER)).build())
              .setEffectiveFrom(now.minus(Duration.ofDays(1)))
              .setExpiresAt(now.plus(Duration.ofDays(30)))
              .build();
      return ConsentRecorded.newBuilder(sample).setConsent(details).build();
    }

    /** The loader: batched and asynchronous, so the input is there at once for every mode. */
    private KafkaProducer<String, SpecificRecord> loader() {
      return Harness.avroProducer(bootstrap, registryUrl, 5);
    }

    private int serializedSize(KafkaProducer<String, SpecificRecord> loader) {
      AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
      values.configure(
          Map.of(
              SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl,
              SerdeConfig.AUTO_REGISTER_SCHEMAS, false,
              SerdeConfig.USE_LATEST_VERSION, true),
          false);
      String id = "ref-size-probe";
      return values.serialize(PLAIN_IN, referral(id, "cns-" + id, "cl-probe", Instant.now()))
          .length;
    }

    /** Counts what appears on the output topics from now on: assigned, at their end, no group. */
    private KafkaConsumer<String, byte[]> counter(List<String> topics) {
      Map<String, Object> config = new HashMap<>();
      config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      KafkaConsumer<String, byte[]> consumer =
          new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> partitions = partitions(consumer, topics);
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // resolve the end now, not at the first poll
      return consumer;
    }

    private static List<TopicPartition> partitions(
        KafkaConsumer<?, ?> consumer, List<String> topics) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
            .map(i -> new TopicPartition(i.topic(), i.partition()))
            .forEach(partitions::add);
      }
      return partitions;
    }

    /**
     * The baseline: one thread, our deserializer in, the adapter's {@code ReferralDelivered} out
     * through a producer configured as the adapter's (ExchangeKafkaAutoConfiguration).
     */
    final class Relay {
      private final boolean batched;
      private final KafkaConsumer<String, ReferralSubmitted> consumer;
      private final KafkaProducer<String, SpecificRecord> producer;
      private final String out;
      private final AtomicReference<Exception> failure = new AtomicReference<>();
      private Thread thread;

      Relay(boolean batched, String in, String out) {
        this.batched = batched;
        this.out = out;
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        config.put(SerdeConfig.SPECIFIC_AVRO_READER, true);
        AvroDeserializer<ReferralSubmitted> values = new AvroDeserializer<>();
        values.configure(config, false);
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), values);
        List<TopicPartition> partitions = partitions(consumer, List.of(in));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);

        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerConfig.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        producerConfig.put(SerdeConfig.AUTO_REGISTER_SCHEMAS, false);
        producerConfig.put(SerdeConfig.USE_LATEST_VERSION, true);
        AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>();
        serializer.configure(producerConfig, false);
        producer = new KafkaProducer<>(producerConfig, new StringSerializer(), serializer);
      }

      void start(long deadline, int events) {
        thread =
            new Thread(
                () -> {
                  try {
                    relay(deadline, events);
                  } catch (Exception e) {
                    failure.set(e);
                  }
                },
                "bench-relay");
        thread.setDaemon(true);
        thread.start();
      }

      private void relay(long deadline, int events) throws Exception {
        int relayed = 0;
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        while (relayed < events && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, ReferralSubmitted> record :
              consumer.poll(Duration.ofMillis(100))) {
            ReferralSubmitted submitted = record.value();
            String referralId = submitted.getReferralId();
            ReferralDelivered delivered =
                ReferralDelivered.newBuilder()
                    .setEventId(
                        UUID.nameUUIDFromBytes(
                            ("delivered\u0000" + referralId).getBytes(StandardCharsets.UTF_8)))
                    .setOccurredAt(Instant.now())
                    .setReferralId(referralId)
                    .setProviderId(submitted.getTarget().getProviderId())
                    .setProviderReference(referralId)
                    .setAttempts(1)
                    .build();
            Future<RecordMetadata> sent =
                producer.send(new ProducerRecord<>(out, referralId, delivered));
            if (batched) {
              pending.add(sent);
            } else {
              sent.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            relayed++;
          }
          for (Future<RecordMetadata> f : pending) {
            f.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          }
          pending.clear();
        }
      }

      void stop() throws InterruptedException {
        thread.join(CALL_TIMEOUT.toMillis() * 2);
        if (thread.isAlive()) {
          throw new IllegalStateException("The relay did not stop");
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
        if (failure.get() != null) {
          throw new IllegalStateException("The relay failed", failure.get());
        }
      }
    }

    private void report(List<Phase> phases) {
      List<String> modes = options.modes;
      List<String> baselines = modes.stream().filter(m -> !m.equals("adapter")).toList();
      System.out.println();
      System.out.println("Each round:");
      System.out.println();
      System.out.println(
          "| round | mode | events | delivered | failed | seconds | events/s | load s |"
              + " CPU µs/event | GC ms | JIT ms | provider requests |");
      System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (Phase p : phases) {
        System.out.printf(
            Locale.ROOT,
            "| %d | %s | %,d | %,d | %d | %.2f | %,.0f | %.2f | %,.0f | %,d | %,d | %s |%n",
            p.round(),
            p.mode(),
            p.events(),
            p.delivered(),
            p.failed(),
            p.seconds(),
            p.throughput(),
            p.loadSeconds(),
            p.cpuMicrosPerEvent(),
            p.gcMillis(),
            p.jitMillis(),
            p.mode().equals("adapter") ? String.format("%,d", p.providerRequests()) : "–");
      }

      System.out.println();
      System.out.printf(
          "Medians of %d rounds (ratio: median of each round's own adapter/mode ratio, range):%n%n",
          options.rounds);
      System.out.println(
          "| mode | events | seconds | events/s | CPU µs/event | ratio adapter/mode (throughput) |"
              + " CPU per event adapter/mode |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|");
      for (String mode : modes) {
        List<Phase> mine = phases.stream().filter(p -> p.mode().equals(mode)).toList();
        String ratio = "–";
        String cpuRatio = "–";
        if (!mode.equals("adapter")) {
          List<Double> t = new ArrayList<>();
          List<Double> c = new ArrayList<>();
          for (int round = 1; round <= options.rounds; round++) {
            Phase a = find(phases, round, "adapter");
            Phase b = find(phases, round, mode);
            t.add(a.throughput() / b.throughput());
            c.add(a.cpuMicrosPerEvent() / b.cpuMicrosPerEvent());
          }
          ratio = String.format(Locale.ROOT, "**%.2f** %s", median(t), range(t));
          cpuRatio = String.format(Locale.ROOT, "%.1f %s", median(c), range(c));
        }
        System.out.printf(
            Locale.ROOT,
            "| %s | %,d | %.2f | %,.0f | %,.0f | %s | %s |%n",
            mode,
            options.events,
            median(mine.stream().map(Phase::seconds).toList()),
            median(mine.stream().map(Phase::throughput).toList()),
            median(mine.stream().map(Phase::cpuMicrosPerEvent).toList()),
            ratio,
            cpuRatio);
      }
      System.out.println();
      boolean complete = phases.stream().allMatch(Phase::complete);
      if (adapterEvents > 0) {
        Harness.printCpuByThread(
            "Adapter phases, CPU by thread (user + kernel, threads alive at the end of a phase)",
            "event",
            adapterThreads.byGroup(),
            adapterCpuNanos,
            adapterEvents,
            0.005);
      }
      for (String baseline : baselines) {
        List<Double> t = new ArrayList<>();
        for (int round = 1; round <= options.rounds; round++) {
          t.add(
              find(phases, round, "adapter").throughput()
                  / find(phases, round, baseline).throughput());
        }
        System.out.printf(
            Locale.ROOT,
            "Target adapter/%s >= 0.8: %.2f -> %s%n",
            baseline,
            median(t),
            median(t) >= 0.8 ? "met" : "MISSED");
      }
      if (!complete) {
        System.out.println(
            "WARNING: some phases did not deliver every event (see 'failed' and 'delivered')");
      }
    }

    private static Phase find(List<Phase> phases, int round, String mode) {
      return phases.stream()
          .filter(p -> p.round() == round && p.mode().equals(mode))
          .findFirst()
          .orElseThrow();
    }
  }

  /**
   * Twins of {@code referral.submitted} and {@code referral.delivered} for the plain relay: same
   * partitions and settings, the same schemas under their subjects, the same schema ids (checked).
   * The adapter reads the real topics, so the baseline's records never cost its reader anything.
   */
  private static void createTwinTopics(String bootstrap, String registryUrl) throws Exception {
    SchemaRegistryClient client =
        new SchemaRegistryClient(
            SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl)));
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      for (TopicSpec spec : List.of(Topics.REFERRAL_SUBMITTED, Topics.REFERRAL_DELIVERED)) {
        String twin = "bench." + spec.name();
        admin
            .createTopics(
                List.of(new NewTopic(twin, spec.partitions(), (short) -1).configs(spec.config())))
            .all()
            .get(30, TimeUnit.SECONDS);
        int twinId = client.register(twin + "-value", spec.valueSchema());
        int realId = client.latest(spec.valueSubject()).id();
        if (twinId != realId) {
          throw new IllegalStateException(
              "Schema ids differ for " + twin + ": " + twinId + " against " + realId);
        }
      }
    }
  }
}
