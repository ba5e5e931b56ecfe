package org.referralexchange.kafka.streams;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.nio.file.Path;
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
 */
@Validated
@ConfigurationProperties("exchange.streams")
public record ExchangeStreamsProperties(
    @NotNull @PositiveOrZero Integer standbyReplicas, @NotNull Path stateDir) {

  public ExchangeStreamsProperties {
    standbyReplicas = standbyReplicas == null ? 1 : standbyReplicas;
    stateDir =
        stateDir == null
            ? Path.of(System.getProperty("java.io.tmpdir"), "referral-exchange-streams")
            : stateDir;
  }
}
