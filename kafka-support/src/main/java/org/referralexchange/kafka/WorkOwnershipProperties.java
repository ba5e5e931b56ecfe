package org.referralexchange.kafka;

import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The consumer group that divides a service's work between its instances, under {@code
 * exchange.kafka.ownership.*}. Each setting names the Kafka consumer key it sets. Instances in one
 * group must run the same configuration (the same providers, the same rules): a referral is worked
 * by whichever instance owns its partition.
 *
 * @param groupId {@code group.id}: one per service ({@code agency-adapter}, {@code notifier}); all
 *     instances of the service share it
 * @param sessionTimeout {@code session.timeout.ms}: how long a silent instance (killed, frozen, cut
 *     off) keeps its partitions before the group gives them to the others; the broker accepts 6 s
 *     to 30 min by default
 * @param heartbeatInterval {@code heartbeat.interval.ms}: how often an instance tells the group it
 *     is alive; well below the session timeout (Kafka suggests a third of it at most)
 * @param handoverTimeout how long an instance giving partitions up (a graceful rebalance, a
 *     shutdown) waits for its work on them to be recorded before it lets them go; work still
 *     unrecorded then may be done again by the next owner. Well below {@code max.poll.interval.ms}
 *     (5 min), which bounds a rebalance
 */
@Validated
@ConfigurationProperties("exchange.kafka.ownership")
public record WorkOwnershipProperties(
    @NotBlank String groupId,
    Duration sessionTimeout,
    Duration heartbeatInterval,
    Duration handoverTimeout) {

  public WorkOwnershipProperties {
    sessionTimeout = sessionTimeout == null ? Duration.ofSeconds(15) : sessionTimeout;
    heartbeatInterval = heartbeatInterval == null ? Duration.ofSeconds(3) : heartbeatInterval;
    handoverTimeout = handoverTimeout == null ? Duration.ofSeconds(30) : handoverTimeout;
    if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
      throw new IllegalArgumentException(
          "exchange.kafka.ownership.heartbeat-interval must be shorter than the session timeout");
    }
    if (handoverTimeout.compareTo(Duration.ofMinutes(4)) > 0) {
      throw new IllegalArgumentException(
          "exchange.kafka.ownership.handover-timeout must stay well below max.poll.interval.ms"
              + " (5 min)");
    }
  }
}
