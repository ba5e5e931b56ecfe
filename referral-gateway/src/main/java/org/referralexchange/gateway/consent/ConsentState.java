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
 * @param expiredAt when the expiry event the consent names happened, once recorded
 */
public record ConsentState(
    ConsentDetails consent,
    Instant recordedAt,
    Optional<Instant> revokedAt,
    Optional<Reason> revocationReason,
    Optional<Instant> expiredAt) {

  public boolean revoked() {
    return revokedAt.isPresent();
  }

  /**
   * The consent as the policies judge it: an expiry event that happened ends it like a date, so the
   * {@code consent-expired} policy refuses referrals from then on.
   */
  public ConsentDetails effective() {
    return expiredAt
        .filter(at -> consent.getExpiresAt() == null || at.isBefore(consent.getExpiresAt()))
        .map(at -> ConsentDetails.newBuilder(consent).setExpiresAt(at).build())
        .orElse(consent);
  }

  /** ACTIVE, REVOKED, EXPIRED or NOT_YET_EFFECTIVE at {@code now}. */
  public String statusAt(Instant now) {
    if (revoked()) {
      return "REVOKED";
    }
    ConsentDetails effective = effective();
    if (effective.getExpiresAt() != null && !now.isBefore(effective.getExpiresAt())) {
      return "EXPIRED";
    }
    if (now.isBefore(consent.getEffectiveFrom())) {
      return "NOT_YET_EFFECTIVE";
    }
    return "ACTIVE";
  }
}
