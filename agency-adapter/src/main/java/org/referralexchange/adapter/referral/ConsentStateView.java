package org.referralexchange.adapter.referral;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/** Every consent and whether it was revoked, from the compacted consents topic. */
@Component
public class ConsentStateView implements EventView {

  /** A consent and whether it still stands. */
  public record Consent(ConsentDetails details, boolean revoked) {}

  private final Map<String, Consent> byId = new ConcurrentHashMap<>();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.CONSENT_EVENTS);
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ConsentRecorded recorded) {
      byId.putIfAbsent(key, new Consent(recorded.getConsent(), false));
    } else if (event instanceof ConsentRevoked revoked) {
      byId.put(key, new Consent(revoked.getConsent(), true));
    }
  }

  public Optional<Consent> get(String consentId) {
    return Optional.ofNullable(byId.get(consentId));
  }
}
