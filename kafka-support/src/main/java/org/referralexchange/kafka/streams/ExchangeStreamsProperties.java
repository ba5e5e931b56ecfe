package org.referralexchange.kafka.streams;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How a service runs Kafka Streams, under {@code exchange.streams.*}; the application id, brokers
 * and security stay in Spring Boot's {@code spring.kafka.*} ({@code spring.kafka.streams.*}).
 *
 * @param standbyReplicas warm copies of each store kept on other instances (Kafka's {@code
 *     num.standby.replicas}), so a failed instance's partitions move without a restore
 * @param stateDir where RocksDB stores and their checkpoints live; must survive a restart (a
 *     volume) for a warm start. {@code spring.kafka.streams.state-dir}, if set, wins
 * @param instanceId a name of this instance that stays the same across its restarts (a pod name),
 *     unique among the application's instances, or blank for none: Kafka's {@code
 *     group.instance.id} (static membership), with which a restarted instance takes its tasks back
 *     at once and a stopping one hands them over at once
 * @param deadLetterTopics the source topics whose undecodable and refused records this application
 *     writes to {@code <topic>-dlt}. A topic read by several services has one writer of its dead
 *     letters (the service that owns the topic's lifecycle), so that a bad record is dead-lettered
 *     once: another reader skips it, with a warning that names its coordinates. Empty: none
 */
@Validated
@ConfigurationProperties("exchange.streams")
public record ExchangeStreamsProperties(
    @NotNull @PositiveOrZero Integer standbyReplicas,
    @NotNull Path stateDir,
    String instanceId,
    List<String> deadLetterTopics) {

  public ExchangeStreamsProperties {
    standbyReplicas = standbyReplicas == null ? 1 : standbyReplicas;
    stateDir =
        stateDir == null
            ? Path.of(System.getProperty("java.io.tmpdir"), "referral-exchange-streams")
            : stateDir;
    instanceId = instanceId == null ? "" : instanceId.strip();
    deadLetterTopics = deadLetterTopics == null ? List.of() : List.copyOf(deadLetterTopics);
  }
}
