package org.referralexchange.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * A quick profile of one phase with Java Flight Recorder's execution samples (Java code on CPU;
 * time in the kernel, e.g. loopback socket writes, is not sampled), summarised three ways: by
 * thread group over the whole JVM, and for the gateway's Tomcat request threads by the pieces of a
 * request (inclusive, so they overlap) and by the method on top of the stack.
 */
final class Profile {

  /** Inclusive markers on the request threads: a sample counts if any frame starts so. */
  private static final Map<String, List<String>> PIECES = new LinkedHashMap<>();

  /**
   * Exclusive buckets: a sample goes to the bucket of the innermost (closest to the top of the
   * stack) frame that matches one, so a JDK HashMap call made by Jackson counts as Jackson.
   */
  private static final Map<String, List<String>> LIBRARIES = new LinkedHashMap<>();

  static {
    PIECES.put(
        "ReferralController.submit (after body read and validation)",
        List.of("o.r.gateway.referral.ReferralController.submit"));
    PIECES.put(
        "MinimalReferralController.submit (the baseline, after body read and validation)",
        List.of("o.r.bench.minimal.MinimalReferralController.submit"));
    PIECES.put("  ReferralService.submit", List.of("o.r.gateway.referral.ReferralService.submit"));
    PIECES.put(
        "    EnvelopeCipher.seal (Tink AEAD, identity + narrative)",
        List.of("o.r.envelope.EnvelopeCipher.seal"));
    PIECES.put("    Hmac (fingerprint + pseudonym)", List.of("o.r.gateway.privacy.Hmac."));
    PIECES.put("    ConsentPolicy", List.of("o.r.policy."));
    PIECES.put(
        "    KafkaProducer.send (incl. AvroSerializer)",
        List.of("org.apache.kafka.clients.producer.KafkaProducer.send"));
    PIECES.put("      AvroSerializer.serialize", List.of("o.r.serde.AvroSerializer.serialize"));
    PIECES.put(
        "Request body: JSON read",
        List.of(
            "org.springframework.http.converter.AbstractJacksonHttpMessageConverter.read",
            "org.springframework.http.converter.json.AbstractJackson2HttpMessageConverter.read",
            "org.springframework.web.servlet.mvc.method.annotation.AbstractMessageConverterMethodArgumentResolver.readWithMessageConverters"));
    PIECES.put(
        "Request body: Bean Validation",
        List.of(
            "org.springframework.web.method.annotation.ModelFactory.validate",
            "org.springframework.validation.beanvalidation.SpringValidatorAdapter.validate",
            "org.hibernate.validator."));
    PIECES.put(
        "Answer: JSON write",
        List.of(
            "org.springframework.web.servlet.mvc.method.annotation.AbstractMessageConverterMethodProcessor.writeWithMessageConverters"));

    LIBRARIES.put(
        "crypto (Tink, JCE: AES-GCM, HMAC, SHA-256, SecureRandom)",
        List.of(
            "com.google.crypto.tink.",
            "com.sun.crypto.provider.",
            "sun.security.",
            "javax.crypto.",
            "java.security."));
    LIBRARIES.put("Avro", List.of("org.apache.avro."));
    LIBRARIES.put("Kafka client", List.of("org.apache.kafka."));
    LIBRARIES.put("Jackson", List.of("tools.jackson.", "com.fasterxml.jackson."));
    LIBRARIES.put(
        "Bean Validation (Hibernate Validator)",
        List.of("org.hibernate.validator.", "jakarta.validation."));
    LIBRARIES.put("Micrometer (metrics, observations)", List.of("io.micrometer."));
    LIBRARIES.put("logging", List.of("ch.qos.logback.", "org.slf4j."));
    LIBRARIES.put("gateway and exchange code", List.of("o.r."));
    LIBRARIES.put("Spring Security", List.of("org.springframework.security."));
    LIBRARIES.put("Spring MVC and core", List.of("org.springframework."));
    LIBRARIES.put(
        "Tomcat", List.of("org.apache.catalina.", "org.apache.coyote.", "org.apache.tomcat."));
  }

  private Profile() {}

  /**
   * Starts and stops an empty recording. The first recording of a JVM instruments JDK classes
   * (socket and file I/O events), which throws away compiled code that inlined them: done before
   * the warm-up, that recompilation does not land in the profiled phase.
   */
  static void initialise() {
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      recording.start();
      recording.stop();
    }
  }

  static void run(Duration duration, Callable<GatewayPublishBenchmark.Phase> work)
      throws Exception {
    Path file = Files.createTempFile("gateway-profile-", ".jfr");
    GatewayPublishBenchmark.Phase phase;
    Map<String, Long> cpuBefore;
    long processBefore;
    long gcBefore;
    long jitBefore;
    Map<String, Long> cpuAfter;
    long processAfter;
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      recording.start();
      cpuBefore = threadCpu();
      processBefore = Harness.processCpuNanos();
      gcBefore = Harness.gcMillis();
      jitBefore = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
      phase = work.call();
      cpuAfter = threadCpu();
      processAfter = Harness.processCpuNanos();
      recording.stop();
      recording.dump(file);
    }
    long gc = Harness.gcMillis() - gcBefore;
    long jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitBefore;
    System.out.println();
    System.out.println("Profiled (not measured) phase: " + phase.line());
    long requests = Math.max(1, phase.requests());
    Map<String, Long> byGroup = new TreeMap<>();
    long javaThreads = 0;
    for (Map.Entry<String, Long> e : cpuAfter.entrySet()) {
      long delta = e.getValue() - cpuBefore.getOrDefault(e.getKey(), 0L);
      String group = e.getKey().substring(e.getKey().indexOf(' ') + 1).replaceAll("\\d+", "N");
      byGroup.merge(group, delta, Long::sum);
      javaThreads += delta;
    }
    long process = processAfter - processBefore;
    byGroup.put("load threads bench-" + phase.mode + "-N", phase.loadThreadCpuNanos);
    byGroup.put(
        "(JVM-internal threads: GC, JIT compilers, ...)",
        process - javaThreads - phase.loadThreadCpuNanos);
    System.out.printf(
        Locale.ROOT,
        "%nCPU time by thread (user + kernel, ThreadMXBean), µs per request; process %,.0f µs/req;"
            + " GC pauses %d ms, JIT compilation %d ms in the phase:%n%n",
        process / 1e3 / requests,
        gc,
        jit);
    byGroup.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(15)
        .forEach(
            e ->
                System.out.printf(
                    Locale.ROOT,
                    "  %8.0f µs/req  %5.1f%%  %s%n",
                    e.getValue() / 1e3 / requests,
                    100.0 * e.getValue() / Math.max(1, process),
                    e.getKey()));
    summarise(RecordingFile.readAllEvents(file));
    Files.deleteIfExists(file);
  }

  /** CPU time of every live Java thread, by "id name". */
  private static Map<String, Long> threadCpu() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> cpu = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null) {
        long time = threads.getThreadCpuTime(info.getThreadId());
        if (time >= 0) {
          cpu.put(info.getThreadId() + " " + info.getThreadName(), time);
        }
      }
    }
    return cpu;
  }

  private static void summarise(List<RecordedEvent> events) {
    Map<String, Integer> byThread = new TreeMap<>();
    Map<String, Integer> pieces = new LinkedHashMap<>();
    PIECES.keySet().forEach(k -> pieces.put(k, 0));
    Map<String, Integer> topMethods = new TreeMap<>();
    Map<String, Integer> libraries = new LinkedHashMap<>();
    LIBRARIES.keySet().forEach(k -> libraries.put(k, 0));
    int total = 0;
    int request = 0;
    for (RecordedEvent event : events) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample")
          || event.getStackTrace() == null) {
        continue;
      }
      total++;
      String thread =
          event.getThread("sampledThread") == null
              ? "?"
              : String.valueOf(event.getThread("sampledThread").getJavaName());
      byThread.merge(thread.replaceAll("\\d+", "N"), 1, Integer::sum);
      if (!thread.startsWith("http-nio-")) {
        continue;
      }
      request++;
      List<String> frames =
          event.getStackTrace().getFrames().stream().map(Profile::name).distinct().toList();
      if (!frames.isEmpty()) {
        topMethods.merge(frames.get(0), 1, Integer::sum);
      }
      String library = "JDK and other";
      search:
      for (String frame : frames) {
        for (Map.Entry<String, List<String>> candidate : LIBRARIES.entrySet()) {
          if (candidate.getValue().stream().anyMatch(frame::startsWith)) {
            library = candidate.getKey();
            break search;
          }
        }
      }
      libraries.merge(library, 1, Integer::sum);
      for (Map.Entry<String, List<String>> piece : PIECES.entrySet()) {
        if (frames.stream().anyMatch(f -> piece.getValue().stream().anyMatch(f::startsWith))) {
          pieces.merge(piece.getKey(), 1, Integer::sum);
        }
      }
    }
    System.out.printf("%nCPU samples by thread (%d samples, all threads):%n%n", total);
    print(byThread, total, 15);
    System.out.printf(
        "%nGateway request threads (http-nio-*, %d samples), inclusive pieces:%n%n", request);
    System.out.println("| piece | share of request-thread samples |");
    System.out.println("|---|---:|");
    for (Map.Entry<String, Integer> piece : pieces.entrySet()) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f%% |%n",
          piece.getKey().replace("  ", "&nbsp;&nbsp;"),
          100.0 * piece.getValue() / Math.max(1, request));
    }
    System.out.printf(
        "%nGateway request threads, by the innermost library on the stack (exclusive):%n%n");
    print(libraries, request, 20);
    System.out.printf("%nGateway request threads, top of stack:%n%n");
    print(topMethods, request, 20);
  }

  private static void print(Map<String, Integer> counts, int total, int limit) {
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(limit)
        .forEach(
            e ->
                System.out.printf(
                    Locale.ROOT,
                    "  %5.1f%%  %s%n",
                    100.0 * e.getValue() / Math.max(1, total),
                    e.getKey()));
  }

  private static String name(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName().replace("org.referralexchange.", "o.r.");
    return type + "." + frame.getMethod().getName();
  }
}
