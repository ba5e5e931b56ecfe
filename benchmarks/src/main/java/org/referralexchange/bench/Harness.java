package org.referralexchange.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the service harnesses (gateway, adapter, notifier) share: medians and ranges of per-round
 * values, the process's CPU and GC time, the machine's load, and waiting for a service's readiness.
 * It links against no service, so each harness can run with only its own service on the class path.
 */
final class Harness {

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private Harness() {}

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** "(min – max)" of the values, two decimals. */
  static String range(List<Double> values) {
    return String.format(
        Locale.ROOT,
        "(%.2f – %.2f)",
        values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
        values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
  }

  /**
   * Waits until the service at {@code base} answers its readiness probe with 200: its event log has
   * caught up and the registry answers.
   */
  static void awaitReady(HttpClient http, String base, String service) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    HttpRequest readiness =
        HttpRequest.newBuilder(URI.create(base + "/actuator/health/readiness"))
            .timeout(CALL_TIMEOUT)
            .build();
    int status = 0;
    while (System.nanoTime() < deadline) {
      status = http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status == 200) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        service
            + " not ready within "
            + READY_TIMEOUT.toSeconds()
            + " s (last status "
            + status
            + ")");
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime)
        .sum();
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "unknown";
    }
  }
}
