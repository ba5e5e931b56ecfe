package org.referralexchange.adapter.delivery;

import java.util.Optional;
import org.referralexchange.events.v1.ProviderListed;

/**
 * Who delivers a referral to its provider: this adapter (the provider is configured and enabled
 * here), another adapter (the directory lists the provider as served), or nobody. Only nobody fails
 * the referral; the directory must have been read to its end and this adapter's own entries listed
 * before it is asked.
 */
enum ProviderCoverage {
  /** This adapter delivers it. */
  HERE,
  /** Another adapter (or another deployment of this one) serves the provider: theirs to deliver. */
  ELSEWHERE,
  /** No adapter serves the provider: the referral would wait forever. */
  NOT_SERVED;

  static ProviderCoverage of(boolean enabledHere, Optional<ProviderListed> entry) {
    if (enabledHere) {
      return HERE;
    }
    return entry.filter(ProviderListed::getServed).isPresent() ? ELSEWHERE : NOT_SERVED;
  }
}
