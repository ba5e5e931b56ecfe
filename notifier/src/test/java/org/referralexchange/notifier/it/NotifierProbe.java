package org.referralexchange.notifier.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;

/** How the tests observe a notifier on Kafka Streams from outside: offsets, tasks, punctuations. */
final class NotifierProbe {

  private NotifierProbe() {}

  /** A new, empty state dir: no two instances of a test JVM share RocksDB directories. */
  static Path freshStateDir() {
    try {
      Path dir = Files.createTempDirectory("notifier-state-");
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Per partition of these topics, the offset after its last record now. Not the end offset: a
   * transaction's commit marker takes an offset of its own, and a consumer commits the offset after
   * the last record it processed, never past the marker.
   */
  /**
   * The command line of a notifier started by a test on the shared infrastructure, as application
   * {@code applicationId} with its own {@code stateDir}; {@code more} are the test's own settings.
   */
  static String[] arguments(String applicationId, Path stateDir, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--spring.kafka.bootstrap-servers=" + NotifierInfrastructure.bootstrapServers(),
                "--spring.kafka.properties.schema.registry.url="
                    + NotifierInfrastructure.registryUrl(),
                "--spring.mail.host=127.0.0.1",
                "--spring.mail.port=" + NotifierInfrastructure.smtpPort(),
                "--notifier.tick-interval=PT0.2S",
                "--notifier.gateway-base-url=https://gateway.test",
                "--exchange.kafka.ownership.group-id=" + applicationId,
                "--exchange.streams.state-dir=" + stateDir,
                "--exchange.streams.standby-replicas=0"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  static Map<TopicPartition, Long> ends(Collection<String> topics) {
    Map<TopicPartition, Long> ends = new java.util.HashMap<>();
    for (String topic : topics) {
      for (var record : ExchangeInfrastructure.readAll(topic)) {
        ends.merge(new TopicPartition(topic, record.partition()), record.offset() + 1, Math::max);
      }
    }
    return ends;
  }

  /**
   * Whether the consumer group committed, on every partition that has records, at least to {@code
   * ends}: under exactly_once_v2 a committed offset is a processed and written record.
   */
  static boolean committedUpTo(String group, Map<TopicPartition, Long> ends) {
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ExchangeInfrastructure.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
        if (end.getValue() == 0) {
          continue;
        }
        OffsetAndMetadata at = committed.get(end.getKey());
        if (at == null || at.offset() < end.getValue()) {
          return false;
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return false;
    }
  }

  /** The partitions of the status topic this instance's Streams runs as active tasks. */
  static Set<Integer> ownedStatusPartitions(KafkaStreams streams) {
    Set<Integer> owned = new TreeSet<>();
    if (streams == null || streams.state() != KafkaStreams.State.RUNNING) {
      return owned;
    }
    for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
      for (TaskMetadata task : thread.activeTasks()) {
        for (TopicPartition partition : task.topicPartitions()) {
          if (partition.topic().equals(Topics.REFERRAL_STATUS_CHANGED.name())) {
            owned.add(partition.partition());
          }
        }
      }
    }
    return owned;
  }

  /** Punctuations this instance's stream threads ran so far (the processor's ticks among them). */
  static double punctuations(KafkaStreams streams) {
    return streams.metrics().entrySet().stream()
        .filter(
            e ->
                e.getKey().name().equals("punctuate-total")
                    && e.getKey().group().equals("stream-thread-metrics"))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
        .sum();
  }

  /** The partition of a referral on the referral topics, as the producers' default partitioner. */
  static int partitionOf(String referralId) {
    return org.apache.kafka.common.utils.Utils.toPositive(
            org.apache.kafka.common.utils.Utils.murmur2(
                referralId.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        % Topics.REFERRAL_PARTITIONS;
  }
}
