package org.referralexchange.gateway.disclosure;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.DisclosureRecorded;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Every disclosure on {@code consent.disclosures}, by client pseudonym, each once (a disclosure
 * written twice in a race has one event id).
 */
@Component
class DisclosureView implements EventView {

  private final Map<String, List<DisclosureRecorded>> byClient = new HashMap<>();
  private final Set<UUID> seen = new HashSet<>();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.CONSENT_DISCLOSURES);
  }

  @Override
  public synchronized void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof DisclosureRecorded disclosure && seen.add(disclosure.getEventId())) {
      byClient
          .computeIfAbsent(disclosure.getClientPseudonym(), k -> new ArrayList<>())
          .add(disclosure);
    }
  }

  /** The disclosures this agency made about this client, newest first. */
  synchronized List<DisclosureRecorded> of(String agencyId, String clientPseudonym) {
    return byClient.getOrDefault(clientPseudonym, List.of()).stream()
        .filter(d -> d.getDisclosingAgencyId().equals(agencyId))
        .sorted(Comparator.comparing(DisclosureRecorded::getOccurredAt).reversed())
        .toList();
  }
}
