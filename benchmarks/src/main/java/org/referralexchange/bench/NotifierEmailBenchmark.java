package org.referralexchange.bench;

import static org.referralexchange.bench.Harness.awaitReady;
import static org.referralexchange.bench.Harness.gcMillis;
import static org.referralexchange.bench.Harness.median;
import static org.referralexchange.bench.Harness.processCpuNanos;
import static org.referralexchange.bench.Harness.range;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.CaseManager;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.notifier.NotifierApplication;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Emails per second through the notifier against a plain Jakarta Mail loop on one connected {@code
 * Transport}, to the same GreenMail SMTP server, in the same JVM and run. Not a JMH benchmark: it
 * starts the shared in-process KRaft broker and stand-in registry ({@code ExchangeInfrastructure}
 * of test-support), GreenMail on 127.0.0.1 and the notifier ({@code NotifierApplication}, email
 * only, a short tick).
 *
 * <ul>
 *   <li>{@code notifier}: N {@code ReferralSubmitted} (case manager with an email address, EMAIL
 *       the only preferred channel) are published and read by the notifier's contact view before
 *       the phase; the phase runs from the first of N {@code ReferralStatusChanged} ACCEPTED (one
 *       per referral, distinct event ids, published async and batched) until GreenMail has received
 *       N messages. The notifier renders each email (Thymeleaf, text and HTML), sends it on its
 *       kept-open SMTP connection and publishes its {@code NotificationRecorded} with {@code
 *       send().get()}, one at a time.
 *   <li>{@code plain}: one thread builds N multipart/alternative {@code MimeMessage}s (the text and
 *       HTML of an email the notifier sent in warm-up, the referral id replaced) and sends them
 *       with {@code sendMessage} on one {@code Transport} connected before the run; the phase ends
 *       when GreenMail has received N messages.
 *   <li>{@code plain-noop}: the same, with {@code transport.isConnected()} before every send, as
 *       the notifier's {@code SmtpEmailSender} does; Angus Mail answers it with a NOOP round trip
 *       to the server on every call.
 * </ul>
 *
 * <p>Every phase of every mode mails the same N addresses: GreenMail creates a user and mailbox per
 * new address and keeps them after a purge, so fresh addresses per phase made each phase slower
 * than the last. GreenMail is purged before every phase. Rounds alternate the order of the modes
 * (ABC, CBA). Every loop is bounded by a deadline. Options (all optional): {@code --emails=2000
 * --rounds=7 --warmup-rounds=12 --tick=PT0.01S --phase-timeout-seconds=120}.
 */
public final class NotifierEmailBenchmark {

  static final List<String> MODES = List.of("notifier", "plain", "plain-noop");
  private static final String FROM = "referrals@exchange.example";

  private NotifierEmailBenchmark() {}

  /** The command line. */
  record Options(int emails, int rounds, int warmupRounds, Duration tick, Duration phaseTimeout) {

    static Options parse(String[] args) {
      Map<String, String> given = Harness.arguments(args);
      Options options =
          new Options(
              Integer.parseInt(given.getOrDefault("emails", "2000")),
              Integer.parseInt(given.getOrDefault("rounds", "7")),
              Integer.parseInt(given.getOrDefault("warmup-rounds", "12")),
              Duration.parse(given.getOrDefault("tick", "PT0.01S")),
              Duration.ofSeconds(
                  Long.parseLong(given.getOrDefault("phase-timeout-seconds", "120"))));
      if (options.emails < 1 || options.rounds < 1 || options.warmupRounds < 1) {
        throw new IllegalArgumentException("emails, rounds and warmup-rounds at least 1");
      }
      return options;
    }
  }

  /** One measured (or warm-up) phase of one mode. */
  record Phase(
      int round,
      String mode,
      int emails,
      int received,
      double seconds,
      double loadSeconds,
      double cpuMicrosPerEmail,
      long gcMillis,
      long jitMillis) {

    double throughput() {
      return received / seconds;
    }

    boolean complete() {
      return received >= emails;
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "%-8s %6d emails %6d received %7.2f s %8.1f emails/s  load %5.2f s"
              + "  %6.0f us CPU/email  GC %5d ms  JIT %6d ms",
          mode,
          emails,
          received,
          seconds,
          throughput(),
          loadSeconds,
          cpuMicrosPerEmail,
          gcMillis,
          jitMillis);
    }
  }

  public static void main(String[] args) throws Exception {
    Harness.prepareJvm();
    Options options = Options.parse(args);
    long started = System.nanoTime();
    Harness.printRunHeader(options);

    int smtpPort = freePort();
    GreenMail greenMail =
        new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    ConfigurableApplicationContext notifier = null;
    Transport transport = null;
    try {
      greenMail.start();
      String bootstrap = ExchangeInfrastructure.bootstrapServers();
      String registryUrl = ExchangeInfrastructure.registryUrl();
      notifier =
          new SpringApplicationBuilder(NotifierApplication.class)
              .run(
                  "--server.port=0",
                  "--server.address=127.0.0.1",
                  "--spring.kafka.bootstrap-servers=" + bootstrap,
                  "--spring.kafka.properties.schema.registry.url=" + registryUrl,
                  "--spring.mail.host=127.0.0.1",
                  "--spring.mail.port=" + smtpPort,
                  "--notifier.tick-interval=" + options.tick,
                  "--notifier.mail-from=" + FROM,
                  "--notifier.gateway-base-url=https://gateway.test",
                  "--notifier.twilio.enabled=false",
                  // Its Kafka Streams stores: this run's own, as its broker is.
                  "--exchange.streams.state-dir="
                      + java.nio.file.Files.createTempDirectory("notifier-bench-streams"),
                  "--spring.main.banner-mode=off",
                  "--logging.level.root=WARN");
      String base = Harness.baseUrl(notifier);
      awaitReady(HttpClient.newHttpClient(), base, "Notifier");
      Properties mailProperties = new Properties();
      mailProperties.put("mail.smtp.host", "127.0.0.1");
      mailProperties.put("mail.smtp.port", Integer.toString(smtpPort));
      Session session = Session.getInstance(mailProperties);
      transport = session.getTransport("smtp");
      transport.connect("127.0.0.1", smtpPort, null, null);
      System.out.printf(
          "Broker %s, registry %s, GreenMail 127.0.0.1:%d, notifier %s up after %.1f s%n",
          bootstrap, registryUrl, smtpPort, base, (System.nanoTime() - started) / 1e9);
      new Run(
              options,
              bootstrap,
              registryUrl,
              greenMail,
              notifier
                  .getBean(org.springframework.boot.kafka.autoconfigure.KafkaProperties.class)
                  .getStreams()
                  .getApplicationId(),
              session,
              transport)
          .run();
    } finally {
      if (transport != null) {
        transport.close();
      }
      if (notifier != null) {
        notifier.close();
      }
      greenMail.stop();
    }
    System.out.printf("Total %.0f s%n", (System.nanoTime() - started) / 1e9);
    System.exit(0); // the shared broker and registry stop in a shutdown hook
  }

  /** The rounds, the loader, the plain loop and the counting. */
  static final class Run {
    private final Options options;
    private final String bootstrap;
    private final String registryUrl;
    private final GreenMail greenMail;

    /** The notifier's Kafka Streams application (its consumer group). */
    private final String applicationId;

    private final Session session;
    private final Transport transport;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final ThreadCpu notifierThreads = new ThreadCpu();
    private long notifierEmails;
    private long notifierCpuNanos;
    private String sampleText;
    private String sampleHtml;
    private String sampleReferralId;
    private final Map<String, Integer> sizes = new HashMap<>();

    Run(
        Options options,
        String bootstrap,
        String registryUrl,
        GreenMail greenMail,
        String applicationId,
        Session session,
        Transport transport) {
      this.options = options;
      this.bootstrap = bootstrap;
      this.registryUrl = registryUrl;
      this.greenMail = greenMail;
      this.applicationId = applicationId;
      this.session = session;
      this.transport = transport;
    }

    void run() throws Exception {
      List<Phase> phases = new ArrayList<>();
      try (KafkaProducer<String, SpecificRecord> loader = loader()) {
        int total = options.warmupRounds + options.rounds;
        for (int round = 1; round <= total; round++) {
          boolean warmup = round <= options.warmupRounds;
          int measured = round - options.warmupRounds;
          // The notifier goes first in warm-up round 1: the plain loop sends its text and HTML.
          List<String> order =
              (warmup ? round : measured) % 2 == 1
                  ? MODES
                  : List.of("plain-noop", "plain", "notifier");
          for (String mode : order) {
            Phase phase =
                mode.equals("notifier")
                    ? notifierPhase(loader, warmup ? 0 : measured, round)
                    : plainPhase(warmup ? 0 : measured, mode);
            System.out.printf(
                "%s round %d: %s%n", warmup ? "warm-up" : "measured", round, phase.line());
            if (!phase.complete()) {
              throw new IllegalStateException("Phase incomplete: " + phase.line());
            }
            if (!warmup) {
              phases.add(phase);
            }
          }
        }
      }
      report(phases);
    }

    private Phase notifierPhase(KafkaProducer<String, SpecificRecord> loader, int round, int seq)
        throws Exception {
      int n = options.emails;
      List<String> ids = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String id = "ref-" + runId + "-" + seq + "-" + i;
        ids.add(id);
        ReferralSubmitted submitted = SampleEvents.referralSubmitted(id);
        submitted
            .getReferrer()
            .setCaseManager(
                CaseManager.newBuilder()
                    .setId("cm-" + id)
                    .setName("Dana Caseworker")
                    .setEmail(recipient(i))
                    .setMobile(null)
                    .setPreferredChannels(List.of(NotificationChannel.EMAIL))
                    .setTimeZone("UTC")
                    .build());
        loader.send(new ProducerRecord<>(Topics.REFERRAL_SUBMITTED.name(), id, submitted));
      }
      loader.flush();
      // Outside the measurement: the notifier knows every case manager before the first status
      // (its application has processed and committed every submission).
      Harness.awaitCommitted(
          bootstrap,
          applicationId,
          Harness.endOffsets(bootstrap, List.of(Topics.REFERRAL_SUBMITTED.name())),
          options.phaseTimeout,
          Duration.ofMillis(5));
      List<ReferralStatusChanged> statuses = new ArrayList<>(n);
      for (String id : ids) {
        statuses.add(
            ReferralStatusChanged.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now())
                .setReferralId(id)
                .setProviderId("northside-food-bank")
                .setStatus(ReferralStatus.ACCEPTED)
                .setReason(null)
                .setActor(
                    Actor.newBuilder()
                        .setRole(ActorRole.PROVIDER)
                        .setOrganizationId("northside-food-bank")
                        .build())
                .setOutcome(null)
                .build());
      }
      greenMail.purgeEmailFromAllMailboxes();
      Map<Long, Long> threadsBefore = notifierThreads.snapshot();
      Probe probe = new Probe();
      for (int i = 0; i < n; i++) {
        loader.send(
            new ProducerRecord<>(
                Topics.REFERRAL_STATUS_CHANGED.name(), ids.get(i), statuses.get(i)));
      }
      loader.flush();
      double loadSeconds = (System.nanoTime() - probe.startNanos) / 1e9;
      int received = awaitReceived(n, probe.startNanos + options.phaseTimeout.toNanos());
      Phase phase = probe.phase(round, "notifier", n, received, loadSeconds);
      if (round > 0) {
        notifierEmails += received;
        notifierCpuNanos += probe.cpuNanos;
        notifierThreads.addSince(threadsBefore);
      }
      if (sampleText == null) {
        keepSample(greenMail.getReceivedMessages()[0]);
      }
      return phase;
    }

    /**
     * The same N addresses in every phase of every mode: GreenMail makes a user and mailbox per new
     * address and keeps them after a purge, so fresh addresses would make each phase slower than
     * the last.
     */
    private static String recipient(int i) {
      return "cm-" + i + "@agency.example";
    }

    private Phase plainPhase(int round, String mode) throws Exception {
      boolean noop = mode.equals("plain-noop");
      int n = options.emails;
      if (!transport.isConnected()) {
        // GreenMail closes a connection idle through a long notifier phase; the loop measures
        // sending on a kept-open connection, so it opens one again before its phase starts.
        transport.connect("127.0.0.1", greenMail.getSmtp().getPort(), null, null);
      }
      greenMail.purgeEmailFromAllMailboxes();
      Probe probe = new Probe();
      long deadline = probe.startNanos + options.phaseTimeout.toNanos();
      for (int i = 0; i < n && System.nanoTime() < deadline; i++) {
        String id = "ref-" + runId + "-p" + round + "-" + i;
        MimeMessage message = plainMessage(id, recipient(i));
        if (noop && !transport.isConnected()) { // Angus Mail: a NOOP round trip on every call
          throw new IllegalStateException("The plain loop's SMTP connection was closed");
        }
        transport.sendMessage(message, message.getAllRecipients());
      }
      double loadSeconds = (System.nanoTime() - probe.startNanos) / 1e9;
      int received = awaitReceived(n, deadline);
      if (!sizes.containsKey("plain")) {
        sizes.put("plain", size(greenMail.getReceivedMessages()[0]));
      }
      return probe.phase(round, mode, n, received, loadSeconds);
    }

    /** What the notifier's sender does, less Spring's helper: from, to, subject, text + HTML. */
    private MimeMessage plainMessage(String referralId, String to) throws Exception {
      MimeMessage message = new MimeMessage(session);
      message.setFrom(new InternetAddress(FROM));
      message.setRecipient(Message.RecipientType.TO, new InternetAddress(to, true));
      message.setSubject("Referral " + referralId + ": accepted by northside-food-bank", "UTF-8");
      MimeMultipart alternative = new MimeMultipart("alternative");
      MimeBodyPart text = new MimeBodyPart();
      text.setText(sampleText.replace(sampleReferralId, referralId), "UTF-8", "plain");
      MimeBodyPart html = new MimeBodyPart();
      html.setText(sampleHtml.replace(sampleReferralId, referralId), "UTF-8", "html");
      alternative.addBodyPart(text);
      alternative.addBodyPart(html);
      message.setContent(alternative);
      message.setSentDate(new Date());
      message.saveChanges();
      return message;
    }

    /** The text and HTML of an email the notifier sent, for the plain loop to send. */
    private void keepSample(MimeMessage sent) throws Exception {
      sizes.put("notifier", size(sent));
      String subject = sent.getSubject(); // "Referral <id>: accepted by ..."
      sampleReferralId = subject.substring("Referral ".length(), subject.indexOf(':'));
      collect(sent.getContent());
      if (sampleText == null || sampleHtml == null) {
        throw new IllegalStateException("The notifier's email has no text and HTML parts");
      }
      System.out.printf(
          "Notifier email: %d bytes on the wire (text %d chars, HTML %d chars)%n",
          sizes.get("notifier"), sampleText.length(), sampleHtml.length());
    }

    private void collect(Object content) throws Exception {
      if (content instanceof MimeMultipart multipart) {
        for (int i = 0; i < multipart.getCount(); i++) {
          BodyPart part = multipart.getBodyPart(i);
          if (part.isMimeType("text/plain")) {
            sampleText = (String) part.getContent();
          } else if (part.isMimeType("text/html")) {
            sampleHtml = (String) part.getContent();
          } else {
            collect(part.getContent());
          }
        }
      }
    }

    private static int size(MimeMessage message) throws Exception {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      message.writeTo(bytes);
      return bytes.size();
    }

    /** Waits until GreenMail holds {@code n} messages or the deadline passes; returns the count. */
    private int awaitReceived(int n, long deadline) throws InterruptedException {
      while (System.nanoTime() < deadline) {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        // The latch counts what is there when it is made; a short wait covers a message that
        // lands between the count and the latch.
        if (greenMail.waitForIncomingEmail(Math.min(left, 250), n)) {
          return n;
        }
      }
      return greenMail.getReceivedMessages().length;
    }

    /** Time, process CPU, GC and JIT from its creation to {@link #phase}. */
    static final class Probe {
      final long startNanos;
      final long cpuStart = processCpuNanos();
      final long gcStart = gcMillis();
      final long jitStart = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
      long cpuNanos;

      Probe() {
        startNanos = System.nanoTime();
      }

      Phase phase(int round, String mode, int emails, int received, double loadSeconds) {
        long end = System.nanoTime();
        cpuNanos = processCpuNanos() - cpuStart;
        return new Phase(
            round,
            mode,
            emails,
            received,
            (end - startNanos) / 1e9,
            loadSeconds,
            cpuNanos / 1e3 / Math.max(1, received),
            gcMillis() - gcStart,
            ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitStart);
      }
    }

    private KafkaProducer<String, SpecificRecord> loader() {
      return Harness.avroProducer(bootstrap, registryUrl, 5);
    }

    private void report(List<Phase> phases) {
      System.out.println();
      System.out.printf(
          "Email size on the wire: notifier %,d bytes, plain %,d bytes%n%n",
          sizes.getOrDefault("notifier", 0), sizes.getOrDefault("plain", 0));
      System.out.println("Each round:");
      System.out.println();
      System.out.println(
          "| round | mode | emails | received | seconds | emails/s | load s | CPU µs/email |"
              + " GC ms | JIT ms |");
      System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (Phase p : phases) {
        System.out.printf(
            Locale.ROOT,
            "| %d | %s | %,d | %,d | %.2f | %,.0f | %.2f | %,.0f | %,d | %,d |%n",
            p.round(),
            p.mode(),
            p.emails(),
            p.received(),
            p.seconds(),
            p.throughput(),
            p.loadSeconds(),
            p.cpuMicrosPerEmail(),
            p.gcMillis(),
            p.jitMillis());
      }
      System.out.println();
      System.out.printf(
          "Medians of %d rounds (ratio: median of each round's own notifier/mode ratio, range):%n%n",
          options.rounds);
      System.out.println(
          "| mode | emails | seconds | emails/s | CPU µs/email | throughput notifier/mode |"
              + " CPU per email notifier/mode |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|");
      Map<String, List<Double>> throughputRatios = new HashMap<>();
      Map<String, List<Double>> cpuRatios = new HashMap<>();
      for (String mode : MODES.subList(1, MODES.size())) {
        List<Double> t = new ArrayList<>();
        List<Double> c = new ArrayList<>();
        for (int round = 1; round <= options.rounds; round++) {
          Phase a = find(phases, round, "notifier");
          Phase b = find(phases, round, mode);
          t.add(a.throughput() / b.throughput());
          c.add(a.cpuMicrosPerEmail() / b.cpuMicrosPerEmail());
        }
        throughputRatios.put(mode, t);
        cpuRatios.put(mode, c);
      }
      for (String mode : MODES) {
        List<Phase> mine = phases.stream().filter(p -> p.mode().equals(mode)).toList();
        List<Double> t = throughputRatios.get(mode);
        List<Double> c = cpuRatios.get(mode);
        System.out.printf(
            Locale.ROOT,
            "| %s | %,d | %.2f | %,.0f | %,.0f | %s | %s |%n",
            mode,
            options.emails,
            median(mine.stream().map(Phase::seconds).toList()),
            median(mine.stream().map(Phase::throughput).toList()),
            median(mine.stream().map(Phase::cpuMicrosPerEmail).toList()),
            t == null ? "–" : String.format(Locale.ROOT, "**%.2f** %s", median(t), range(t)),
            c == null ? "–" : String.format(Locale.ROOT, "%.1f %s", median(c), range(c)));
      }
      System.out.println();
      if (notifierEmails > 0) {
        Harness.printCpuByThread(
            "Notifier phases, CPU by thread (user + kernel, threads alive at the end of a phase)",
            "email",
            notifierThreads.byGroup(),
            notifierCpuNanos,
            notifierEmails,
            0.005);
      }
      double ratio = median(throughputRatios.get("plain"));
      System.out.printf(
          Locale.ROOT,
          "Target notifier/plain >= 0.7: %.2f -> %s%n",
          ratio,
          ratio >= 0.7 ? "met" : "MISSED");
    }

    private static Phase find(List<Phase> phases, int round, String mode) {
      return phases.stream()
          .filter(p -> p.round() == round && p.mode().equals(mode))
          .findFirst()
          .orElseThrow();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
