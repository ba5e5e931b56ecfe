package org.referralexchange.kafka.streams;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Counts the changelog records each store restored since start, in {@code
 * exchange.streams.restored} (tagged by store) and here: a warm restart restores almost none, a
 * cold one its share of the history. The history benchmark reads the rate from it.
 */
public class StoreRestores implements StateRestoreListener {

  private final Map<String, AtomicLong> restored = new ConcurrentHashMap<>();
  private final MeterRegistry meters;

  public StoreRestores(MeterRegistry meters) {
    this.meters = meters;
  }

  /** Records restored into a store since start. */
  public long restored(String store) {
    AtomicLong count = restored.get(store);
    return count == null ? 0 : count.get();
  }

  @Override
  public void onRestoreStart(
      TopicPartition partition, String store, long startingOffset, long endingOffset) {
    count(store);
  }

  @Override
  public void onBatchRestored(
      TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    count(store).addAndGet(numRestored);
    meters.counter("exchange.streams.restored", "store", store).increment(numRestored);
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {}

  private AtomicLong count(String store) {
    return restored.computeIfAbsent(store, s -> new AtomicLong());
  }
}
