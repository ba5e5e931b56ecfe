package org.referralexchange.notifier.notification;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.WorkOwnership;
import org.referralexchange.kafka.WorkOwnershipProperties;
import org.referralexchange.schemas.Topics;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which notifier instance tells the case managers of which referrals: the group {@code
 * exchange.kafka.ownership.group-id} divides the partitions of {@code referral.status-changed}. A
 * new owner waits until its log has applied the partition on the topics that trigger notifications,
 * name the contact and record what was sent, so it never sends what the previous owner recorded.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WorkOwnershipProperties.class)
class OwnershipConfiguration {

  @Bean
  WorkOwnership workOwnership(
      KafkaProperties kafka,
      WorkOwnershipProperties properties,
      EventLog eventLog,
      MeterRegistry meters) {
    return new WorkOwnership(
        kafka,
        properties,
        eventLog,
        Topics.REFERRAL_STATUS_CHANGED,
        List.of(
            Topics.REFERRAL_STATUS_CHANGED,
            Topics.REFERRAL_OVERDUE,
            Topics.REFERRAL_SUBMITTED,
            Topics.NOTIFICATIONS),
        meters);
  }
}
