package org.referralexchange.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Prints Markdown tables of exchange against plain throughput from JMH's JSON results ({@code -rf
 * json}). Each {@code exchangeX} benchmark is divided by {@code plainX} of the same file, so a
 * ratio never mixes runs. Given several files (rounds run one after another), it reports the median
 * ratio and the spread over rounds, which on a shared, noisy machine says more than one run's error
 * bar. With {@code -prof gc} the bytes allocated per operation are shown too.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar org.referralexchange.bench.RatioTable
 * benchmarks/target/serde-round-*.json}
 */
public final class RatioTable {

  /** The target: the exchange's serde at least this fraction of plain Avro's throughput. */
  static final double TARGET = 0.9;

  private static final String PLAIN = "plain";
  private static final String EXCHANGE = "exchange";
  private static final String ALLOCATION = "gc.alloc.rate.norm";

  private RatioTable() {}

  /**
   * One benchmark's result: ops/s and its 99.9% error; when measured, CPU ns per op and its error
   * ({@link CpuTimeProfiler}) and bytes allocated per op ({@code -prof gc}); NaN otherwise.
   */
  record Score(double score, double error, double cpuNsPerOp, double cpuError, double bytesPerOp) {}

  /** One operation (serialize, deserialize) of one round. */
  record Pair(Score plain, Score exchange) {
    /** Wall-clock throughput ratio: moves with whatever else the machine is doing. */
    double ratio() {
      return exchange.score() / plain.score();
    }

    /** Throughput per CPU-second ratio, i.e. plain's CPU cost per op over the exchange's. */
    double cpuRatio() {
      return plain.cpuNsPerOp() / exchange.cpuNsPerOp();
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println("usage: RatioTable <jmh-result.json>...");
      System.exit(2);
    }
    ObjectMapper json = new ObjectMapper();
    List<Map<String, Pair>> rounds = new ArrayList<>();
    for (String file : args) {
      rounds.add(pairs(scores(json.readTree(new File(file)))));
    }
    System.out.print(render(rounds));
  }

  /** Scores by simple method name ({@code plainSerialize}), in JMH's order. */
  static Map<String, Score> scores(JsonNode results) {
    Map<String, Score> scores = new LinkedHashMap<>();
    for (JsonNode result : results) {
      String benchmark = result.path("benchmark").asText();
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      JsonNode primary = result.path("primaryMetric");
      JsonNode secondary = result.path("secondaryMetrics");
      JsonNode cpu = secondary.path(CpuTimeProfiler.METRIC);
      scores.put(
          method,
          new Score(
              primary.path("score").asDouble(),
              primary.path("scoreError").asDouble(Double.NaN),
              cpu.path("score").asDouble(Double.NaN),
              cpu.path("scoreError").asDouble(Double.NaN),
              secondary.path(ALLOCATION).path("score").asDouble(Double.NaN)));
    }
    return scores;
  }

  /** {@code exchangeSerialize} and {@code plainSerialize} become operation "serialize". */
  static Map<String, Pair> pairs(Map<String, Score> scores) {
    Map<String, Pair> pairs = new LinkedHashMap<>();
    scores.forEach(
        (method, exchange) -> {
          if (method.startsWith(EXCHANGE)) {
            String operation = method.substring(EXCHANGE.length());
            Score plain = scores.get(PLAIN + operation);
            if (plain != null) {
              String name = Character.toLowerCase(operation.charAt(0)) + operation.substring(1);
              pairs.put(name, new Pair(plain, exchange));
            }
          }
        });
    return pairs;
  }

  static String render(List<Map<String, Pair>> rounds) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Summary over %d round(s): medians over rounds of each round's own values%n%n",
            rounds.size()));
    out.append(
        "| operation | plain ops/s | exchange ops/s | throughput exchange/plain (range)"
            + " | plain CPU ns/op | exchange CPU ns/op | CPU-normalised exchange/plain (range)"
            + " | plain B/op | exchange B/op |\n");
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    StringBuilder verdicts = new StringBuilder();
    for (String operation : rounds.get(0).keySet()) {
      List<Pair> pairs = rounds.stream().map(r -> r.get(operation)).toList();
      double ratio = median(pairs, Pair::ratio);
      double cpuRatio = median(pairs, Pair::cpuRatio);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %,.0f | %s | %s | %s | %s | %s | %s |%n",
              operation,
              median(pairs, p -> p.plain().score()),
              median(pairs, p -> p.exchange().score()),
              withRange(ratio, pairs, Pair::ratio),
              number(median(pairs, p -> p.plain().cpuNsPerOp())),
              number(median(pairs, p -> p.exchange().cpuNsPerOp())),
              withRange(cpuRatio, pairs, Pair::cpuRatio),
              number(median(pairs, p -> p.plain().bytesPerOp())),
              number(median(pairs, p -> p.exchange().bytesPerOp()))));
      boolean hasCpu = !Double.isNaN(cpuRatio);
      double judged = hasCpu ? cpuRatio : ratio;
      verdicts.append(
          String.format(
              Locale.ROOT,
              "%s: %.3f× plain (%s), target ≥ %.2f×: %s%n",
              operation,
              judged,
              hasCpu ? "CPU-normalised" : "throughput",
              TARGET,
              judged >= TARGET ? "met" : "MISSED"));
    }
    out.append("\nEach round (JMH score ± 99.9% error)\n\n");
    out.append(
        "| round | operation | plain ops/s | exchange ops/s | throughput ratio"
            + " | plain CPU ns/op | exchange CPU ns/op | CPU-normalised ratio |\n");
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < rounds.size(); i++) {
      for (Map.Entry<String, Pair> entry : rounds.get(i).entrySet()) {
        Pair pair = entry.getValue();
        out.append(
            String.format(
                Locale.ROOT,
                "| %d | %s | %,.0f ± %,.0f | %,.0f ± %,.0f | %.3f | %s ± %s | %s ± %s | %s |%n",
                i + 1,
                entry.getKey(),
                pair.plain().score(),
                pair.plain().error(),
                pair.exchange().score(),
                pair.exchange().error(),
                pair.ratio(),
                number(pair.plain().cpuNsPerOp()),
                number(pair.plain().cpuError()),
                number(pair.exchange().cpuNsPerOp()),
                number(pair.exchange().cpuError()),
                ratio(pair.cpuRatio())));
      }
    }
    return out.append('\n').append(verdicts).toString();
  }

  private static String withRange(double median, List<Pair> pairs, ToDoubleFunction<Pair> value) {
    if (Double.isNaN(median)) {
      return "–";
    }
    double min = pairs.stream().mapToDouble(value).min().orElse(Double.NaN);
    double max = pairs.stream().mapToDouble(value).max().orElse(Double.NaN);
    return String.format(Locale.ROOT, "**%.3f** (%.3f – %.3f)", median, min, max);
  }

  private static String ratio(double value) {
    return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.3f", value);
  }

  private static double median(List<Pair> pairs, ToDoubleFunction<Pair> value) {
    double[] values = pairs.stream().mapToDouble(value).sorted().toArray();
    int n = values.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  private static String number(double value) {
    return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%,.0f", value);
  }
}
