package org.referralexchange.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * The benchmark JVM's CPU time per operation ({@code cpu.time.norm}, ns/op), with JMH's {@code
 * -prof org.referralexchange.bench.CpuTimeProfiler}. Throughput counts wall-clock time, so on a
 * shared machine it falls whenever another process takes the cores; CPU time only runs while this
 * JVM runs, so it measures the cost of an operation far more steadily. It includes the GC and JIT
 * threads, which is the honest cost of the allocation an operation does.
 */
public final class CpuTimeProfiler implements InternalProfiler {

  /** The secondary metric's name in JMH's output. */
  public static final String METRIC = "cpu.time.norm";

  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long cpuAtStart;

  @Override
  public String getDescription() {
    return "Process CPU time per operation, steadier than throughput on a busy machine";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
    cpuAtStart = os.getProcessCpuTime();
  }

  @Override
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmark, IterationParams iteration, IterationResult result) {
    long cpu = os.getProcessCpuTime() - cpuAtStart;
    long ops = result.getMetadata().getAllOps();
    double perOp = ops == 0 ? Double.NaN : (double) cpu / ops;
    return List.of(new ScalarResult(METRIC, perOp, "ns/op", AggregationPolicy.AVG));
  }
}
