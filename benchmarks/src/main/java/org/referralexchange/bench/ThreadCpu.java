package org.referralexchange.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time by thread group over the measured phases of a harness: a group is a thread's name with
 * its numbers replaced by {@code #}, so a pool's threads add up. Take a {@link #snapshot()} before
 * a phase and hand it to {@link #addSince} after it; {@link #byGroup()} is what {@link
 * Harness#printCpuByThread} prints. Threads that ended during a phase are not counted.
 */
final class ThreadCpu {

  private final Map<Long, String> names = new HashMap<>();
  private final Map<String, Long> byGroup = new HashMap<>();

  /** CPU time of every live thread now, by thread id (their names are remembered). */
  Map<Long, Long> snapshot() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null) {
        long nanos = threads.getThreadCpuTime(info.getThreadId());
        if (nanos >= 0) {
          cpu.put(info.getThreadId(), nanos);
          names.put(info.getThreadId(), info.getThreadName());
        }
      }
    }
    return cpu;
  }

  /** Adds each live thread's CPU since {@code before} (a {@link #snapshot()}) to its group. */
  void addSince(Map<Long, Long> before) {
    snapshot()
        .forEach(
            (id, nanos) ->
                byGroup.merge(
                    names.get(id).replaceAll("[0-9]+", "#"),
                    nanos - before.getOrDefault(id, 0L),
                    Long::sum));
  }

  /** CPU nanoseconds added so far, by thread group. */
  Map<String, Long> byGroup() {
    return byGroup;
  }
}
