package org.referralexchange.notifier.notification;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * How far an application has processed a partition of {@code notifications}, asked of the broker.
 *
 * <p>Kafka Streams reads its inputs in timestamp order, so an application reading old history (its
 * first start, a new application id) reads a status before the {@code NotificationRecorded} that
 * followed it. To decide nothing twice, a task keeps its triggers until it has processed the
 * partition's records that existed when it started: its group's committed offset (which Kafka
 * Streams commits with the task's state, in one transaction) has reached the partition's end as it
 * was then (the last stable offset: what a {@code read_committed} reader can see). Both are the
 * broker's own numbers, not a client metric, so the answer holds across threads, instances and
 * rebalances.
 */
class RecordedProgress implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(RecordedProgress.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final KafkaAdmin kafkaAdmin;
  private Admin admin;

  RecordedProgress(KafkaAdmin kafkaAdmin) {
    this.kafkaAdmin = kafkaAdmin;
  }

  /** The end of the partition now, or empty when the broker did not answer in time. */
  OptionalLong end(int partition) {
    TopicPartition topicPartition = notifications(partition);
    try {
      long end =
          admin()
              .listOffsets(
                  Map.of(topicPartition, OffsetSpec.latest()),
                  new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
              .partitionResult(topicPartition)
              .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .offset();
      return OptionalLong.of(end);
    } catch (ExecutionException | TimeoutException e) {
      log.warn("End of {} not known yet ({}); asked again at the next tick", topicPartition, e);
      return OptionalLong.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalLong.empty();
    }
  }

  /**
   * Whether the application's committed offset on the partition has reached {@code end}. An
   * unanswered question is a no: the triggers wait one more tick.
   */
  boolean reached(String applicationId, int partition, long end) {
    if (end == 0) {
      return true;
    }
    TopicPartition topicPartition = notifications(partition);
    try {
      OffsetAndMetadata committed =
          admin()
              .listConsumerGroupOffsets(applicationId)
              .partitionsToOffsetAndMetadata()
              .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .get(topicPartition);
      return committed != null && committed.offset() >= end;
    } catch (ExecutionException | TimeoutException e) {
      log.warn("Committed offset of {} not known yet ({})", topicPartition, e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static TopicPartition notifications(int partition) {
    return new TopicPartition(Topics.NOTIFICATIONS.name(), partition);
  }

  private synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(kafkaAdmin.getConfigurationProperties());
    }
    return admin;
  }

  @Override
  public synchronized void destroy() {
    if (admin != null) {
      admin.close(TIMEOUT);
    }
  }
}
