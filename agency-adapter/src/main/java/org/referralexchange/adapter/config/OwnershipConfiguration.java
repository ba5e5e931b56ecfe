package org.referralexchange.adapter.config;

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
 * Which adapter instance works which referrals: the group {@code exchange.kafka.ownership.group-id}
 * divides the partitions of {@code referral.submitted}, and an instance delivers, withdraws, polls
 * and keeps the response clock only for the referrals of its partitions. A new owner waits until
 * its log has applied the partition on the four referral topics the adapter decides on and records
 * to, so it never redoes a delivery or a notice the previous owner recorded.
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
        Topics.REFERRAL_SUBMITTED,
        List.of(
            Topics.REFERRAL_SUBMITTED,
            Topics.REFERRAL_STATUS_CHANGED,
            Topics.REFERRAL_DELIVERED,
            Topics.REFERRAL_OVERDUE),
        meters);
  }
}
