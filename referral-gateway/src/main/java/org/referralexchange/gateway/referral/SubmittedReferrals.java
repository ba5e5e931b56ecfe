package org.referralexchange.gateway.referral;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Each referral as it was submitted, client data still sealed as it travels on the topic: what the
 * case manager's page opens for the referring agency, and what "send again" copies. Kept apart from
 * {@link ReferralView}, which deliberately holds no client data, so the API's answers cannot show
 * any by mistake.
 */
@Component
class SubmittedReferrals implements EventView {

  private final Map<String, ReferralSubmitted> byId = new HashMap<>();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.REFERRAL_SUBMITTED);
  }

  @Override
  public synchronized void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ReferralSubmitted submitted) {
      byId.putIfAbsent(submitted.getReferralId(), submitted);
    }
  }

  synchronized Optional<ReferralSubmitted> get(String referralId) {
    return Optional.ofNullable(byId.get(referralId));
  }
}
