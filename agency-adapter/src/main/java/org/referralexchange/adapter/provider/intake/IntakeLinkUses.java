package org.referralexchange.adapter.provider.intake;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Which actions each intake link was already used for, read from {@code referral.status-changed}
 * itself: a status change made through a link names it as its actor's user ({@code
 * intake-link/<linkId>}). The log is the record, so "once per action" holds across restarts and on
 * every instance that has read it; nothing else is stored. Two instances answering the same link's
 * same action within the moment before either read the other's event is the one gap, and there the
 * lifecycle still records the referral's status once.
 */
@Component
class IntakeLinkUses implements EventView {

  private final Set<String> used = ConcurrentHashMap.newKeySet();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.REFERRAL_STATUS_CHANGED);
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ReferralStatusChanged changed
        && changed.getActor() != null
        && changed.getActor().getUserId() != null
        && changed.getActor().getUserId().startsWith("intake-link/")) {
      used.add(use(changed.getReferralId(), changed.getActor().getUserId(), changed.getStatus()));
    }
  }

  /** Whether this link already recorded this status for its referral. */
  boolean used(IntakeLink link, ReferralStatus status) {
    return used.contains(use(link.referralId(), link.actor(), status));
  }

  private static String use(String referralId, String actor, ReferralStatus status) {
    return referralId + "\u0000" + actor + "\u0000" + status;
  }
}
