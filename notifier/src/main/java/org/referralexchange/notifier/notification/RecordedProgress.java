package org.referralexchange.notifier.notification;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.referralexchange.schemas.Topics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * Whether this instance has read a partition of {@code notifications} to its end, by its stream
 * consumer's own {@code records-lag}. Kafka Streams reads its inputs in timestamp order, so an
 * application reading old history (its first start, a new application id) would decide a status
 * before it read the {@code NotificationRecorded} that followed it and send it again: until the
 * partition is fetched to its end (and, the processor checks, its buffer drained), the processor
 * only keeps its triggers, and decides them then.
 */
class RecordedProgress {

  private final ObjectProvider<StreamsBuilderFactoryBean> streams;

  RecordedProgress(ObjectProvider<StreamsBuilderFactoryBean> streams) {
    this.streams = streams;
  }

  /**
   * True once the stream consumer's lag on the partition is known and zero (everything fetched);
   * false while unknown.
   */
  boolean caughtUp(int partition) {
    StreamsBuilderFactoryBean factory = streams.getIfAvailable();
    KafkaStreams kafkaStreams = factory == null ? null : factory.getKafkaStreams();
    if (kafkaStreams == null) {
      return false;
    }
    String wanted = Integer.toString(partition);
    double lag = Double.NaN;
    for (var entry : kafkaStreams.metrics().entrySet()) {
      MetricName name = entry.getKey();
      if (name.name().equals("records-lag")
          && name.group().equals("consumer-fetch-manager-metrics")
          && Topics.NOTIFICATIONS.name().equals(name.tags().get("topic"))
          && wanted.equals(name.tags().get("partition"))
          && !String.valueOf(name.tags().get("client-id")).contains("restore")) {
        double value = value(entry.getValue());
        // A thread that owned the partition before may still show its last lag: the lowest wins.
        lag = Double.isNaN(lag) ? value : Math.min(lag, value);
      }
    }
    return lag == 0.0;
  }

  private static double value(Metric metric) {
    Object value = metric.metricValue();
    return value instanceof Number number ? number.doubleValue() : Double.NaN;
  }
}
