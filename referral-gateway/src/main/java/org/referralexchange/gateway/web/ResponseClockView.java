package org.referralexchange.gateway.web;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Each referral's response clock as the agency adapter runs it: when the provider's system took the
 * referral, when the answer was due (the adapter counts the provider's business hours, so the
 * gateway learns the time from the overdue events), when the provider was reminded and when the
 * referral came back unanswered. Read from {@code referral.delivered} and {@code referral.overdue}
 * like every other view, so every instance shows the same after a restart.
 */
@Component
class ResponseClockView implements EventView {

  /**
   * @param deliveredAt when the provider's system acknowledged the referral
   * @param dueBy when the answer was due, once an overdue event told it
   * @param reminderAt when the provider was reminded
   * @param returnedAt when the grace period ended and the referral came back
   */
  record ResponseClock(Instant deliveredAt, Instant dueBy, Instant reminderAt, Instant returnedAt) {

    static final ResponseClock NONE = new ResponseClock(null, null, null, null);
  }

  private final Map<String, ResponseClock> byId = new HashMap<>();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.REFERRAL_DELIVERED, Topics.REFERRAL_OVERDUE);
  }

  @Override
  public synchronized void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ReferralDelivered delivered) {
      ResponseClock c = clock(delivered.getReferralId());
      if (c.deliveredAt() == null) {
        byId.put(
            delivered.getReferralId(),
            new ResponseClock(
                delivered.getOccurredAt(), c.dueBy(), c.reminderAt(), c.returnedAt()));
      }
    } else if (event instanceof ReferralOverdue overdue) {
      ResponseClock c = clock(overdue.getReferralId());
      boolean reminder = overdue.getStage() == OverdueStage.REMINDER;
      byId.put(
          overdue.getReferralId(),
          new ResponseClock(
              c.deliveredAt(),
              overdue.getRespondBy(),
              reminder && c.reminderAt() == null ? overdue.getOccurredAt() : c.reminderAt(),
              !reminder && c.returnedAt() == null ? overdue.getOccurredAt() : c.returnedAt()));
    }
  }

  synchronized ResponseClock get(String referralId) {
    return clock(referralId);
  }

  private ResponseClock clock(String referralId) {
    return Optional.ofNullable(byId.get(referralId)).orElse(ResponseClock.NONE);
  }
}
