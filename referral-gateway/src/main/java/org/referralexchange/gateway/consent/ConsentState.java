package org.referralexchange.gateway.consent;

import java.time.Instant;
import java.util.Optional;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.Reason;

/**
 * A consent as the gateway knows it from the log.
 *
 * @param consent the elements of the consent
 * @param recordedAt when it was recorded
 * @param revokedAt when the client revoked it, if they did
 * @param revocationReason why, if they said
 */
public record ConsentState(
    ConsentDetails consent,
    Instant recordedAt,
    Optional<Instant> revokedAt,
    Optional<Reason> revocationReason) {

  public boolean revoked() {
    return revokedAt.isPresent();
  }

  /** ACTIVE, REVOKED, EXPIRED or NOT_YET_EFFECTIVE at {@code now}. */
  public String statusAt(Instant now) {
    if (revoked()) {
      return "REVOKED";
    }
    if (consent.getExpiresAt() != null && !now.isBefore(consent.getExpiresAt())) {
      return "EXPIRED";
    }
    if (now.isBefore(consent.getEffectiveFrom())) {
      return "NOT_YET_EFFECTIVE";
    }
    return "ACTIVE";
  }
}
