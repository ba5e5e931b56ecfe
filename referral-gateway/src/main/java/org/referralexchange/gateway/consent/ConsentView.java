package org.referralexchange.gateway.consent;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ConsentExpired;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Every consent, read from the compacted consents topic. A revocation and an expiry event are
 * final: a recorded event read after them (a redelivery) does not bring the consent back.
 */
@Component
public class ConsentView implements EventView {

  private final Map<String, ConsentState> byId = new ConcurrentHashMap<>();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.CONSENT_EVENTS);
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ConsentRecorded recorded) {
      byId.putIfAbsent(
          recorded.getConsent().getConsentId(),
          new ConsentState(
              recorded.getConsent(),
              recorded.getOccurredAt(),
              Optional.empty(),
              Optional.empty(),
              Optional.empty()));
    } else if (event instanceof ConsentRevoked revoked) {
      byId.compute(
          revoked.getConsent().getConsentId(),
          (id, known) ->
              known != null && known.revoked()
                  ? known
                  : new ConsentState(
                      revoked.getConsent(),
                      known == null ? revoked.getOccurredAt() : known.recordedAt(),
                      Optional.of(revoked.getRevokedAt()),
                      Optional.ofNullable(revoked.getReason()),
                      known == null ? Optional.empty() : known.expiredAt()));
    } else if (event instanceof ConsentExpired expired) {
      byId.compute(
          expired.getConsent().getConsentId(),
          (id, known) ->
              known != null && known.expiredAt().isPresent()
                  ? known
                  : new ConsentState(
                      expired.getConsent(),
                      known == null ? expired.getOccurredAt() : known.recordedAt(),
                      known == null ? Optional.empty() : known.revokedAt(),
                      known == null ? Optional.empty() : known.revocationReason(),
                      Optional.of(expired.getExpiredAt())));
    }
  }

  public Optional<ConsentState> get(String consentId) {
    return Optional.ofNullable(byId.get(consentId));
  }

  /** The consents an agency recorded for one client, newest first. */
  public List<ConsentState> forClient(String agencyId, String clientPseudonym) {
    return byId.values().stream()
        .filter(c -> c.consent().getDisclosingAgencyId().equals(agencyId))
        .filter(c -> c.consent().getClientPseudonym().equals(clientPseudonym))
        .sorted(Comparator.comparing(ConsentState::recordedAt).reversed())
        .toList();
  }
}
