package org.referralexchange.adapter.disclosure;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.DisclosureRecorded;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Which disclosures are already on the accounting topic, by event id: read back from the log at
 * every start (and from this instance's own acknowledged publishes), so a delivery recorded again
 * after a failed {@code ReferralDelivered} or a restart is not accounted for twice.
 */
@Component
class DisclosureLedger implements EventView {

  private final Set<UUID> recorded = ConcurrentHashMap.newKeySet();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.CONSENT_DISCLOSURES);
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof DisclosureRecorded disclosure) {
      recorded.add(disclosure.getEventId());
    }
  }

  boolean contains(UUID eventId) {
    return recorded.contains(eventId);
  }
}
