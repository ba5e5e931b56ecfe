package org.referralexchange.gateway.consent;

import java.util.List;

/**
 * What else a revocation must do: cancel the open referrals the consent covered, so the provider is
 * told to withdraw. Implemented by the referral feature, so consents do not depend on it.
 */
public interface RevocationCascade {

  /** Cancels every open referral made under {@code consentId}; returns their ids. */
  List<String> cancelReferralsCoveredBy(String consentId);
}
