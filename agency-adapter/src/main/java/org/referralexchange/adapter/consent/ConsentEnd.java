package org.referralexchange.adapter.consent;

import java.time.Instant;
import java.util.Optional;
import org.referralexchange.adapter.referral.ConsentStateView;

/**
 * Whether a consent no longer stands at a moment, and the reason code a referral under it ends
 * with: {@code consent-revoked} once the client revoked it (45 CFR 164.508(b)(5), 42 CFR
 * 2.31(a)(6)), else {@code consent-expired} from its expiry date or the moment its expiry event
 * happened. A revocation wins: it is what the client did.
 */
final class ConsentEnd {

  static final String REVOKED = "consent-revoked";
  static final String EXPIRED = "consent-expired";

  private ConsentEnd() {}

  static Optional<String> reasonAt(ConsentStateView.Consent consent, Instant now) {
    if (consent.revoked()) {
      return Optional.of(REVOKED);
    }
    return consent.endsAt().filter(end -> !now.isBefore(end)).map(end -> EXPIRED);
  }

  /** The exchange's own words for the reason: codes travel, this text names no one. */
  static String text(String code) {
    return REVOKED.equals(code)
        ? "The client revoked the consent this referral was made under."
        : "The consent this referral was made under has expired.";
  }
}
