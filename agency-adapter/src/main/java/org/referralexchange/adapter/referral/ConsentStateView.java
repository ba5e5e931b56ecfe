package org.referralexchange.adapter.referral;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentExpired;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Every consent and whether it still stands, from the compacted consents topic. A revocation and an
 * expiry event are final: a recorded event read after them (a redelivery) brings nothing back.
 */
@Component
public class ConsentStateView implements EventView {

  /**
   * A consent and whether it still stands.
   *
   * @param details the consent as signed
   * @param revoked whether the client revoked it
   * @param expiredAt when the expiry event it names happened, if it was recorded
   */
  public record Consent(ConsentDetails details, boolean revoked, Optional<Instant> expiredAt) {

    public Consent(ConsentDetails details, boolean revoked) {
      this(details, revoked, Optional.empty());
    }

    /**
     * The consent as the policies must judge it: an expiry event that happened is its end, so the
     * {@code consent-expired} policy and the sweep treat it like a date.
     */
    public ConsentDetails effective() {
      return expiredAt
          .filter(at -> details.getExpiresAt() == null || at.isBefore(details.getExpiresAt()))
          .map(at -> ConsentDetails.newBuilder(details).setExpiresAt(at).build())
          .orElse(details);
    }

    /** When it ends (by date or by its recorded event), if it does. */
    public Optional<Instant> endsAt() {
      return Optional.ofNullable(effective().getExpiresAt());
    }
  }

  private final Map<String, Consent> byId = new ConcurrentHashMap<>();
  private final java.util.List<Consumer<String>> endedListeners = new CopyOnWriteArrayList<>();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.CONSENT_EVENTS);
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ConsentRecorded recorded) {
      byId.putIfAbsent(key, new Consent(recorded.getConsent(), false));
    } else if (event instanceof ConsentRevoked revoked) {
      byId.compute(
          key,
          (id, known) ->
              new Consent(
                  revoked.getConsent(),
                  true,
                  known == null ? Optional.empty() : known.expiredAt()));
      endedListeners.forEach(l -> l.accept(key));
    } else if (event instanceof ConsentExpired expired) {
      byId.compute(
          key,
          (id, known) ->
              new Consent(
                  expired.getConsent(),
                  known != null && known.revoked(),
                  Optional.of(
                      known == null
                          ? expired.getExpiredAt()
                          : known.expiredAt().orElse(expired.getExpiredAt()))));
      endedListeners.forEach(l -> l.accept(key));
    }
  }

  /**
   * Told the id of a consent that was just revoked or whose expiry event was recorded, on the
   * thread that applies the event: a listener must only hand the news on, never block.
   */
  public void onEnded(Consumer<String> listener) {
    endedListeners.add(listener);
  }

  public Optional<Consent> get(String consentId) {
    return Optional.ofNullable(byId.get(consentId));
  }
}
