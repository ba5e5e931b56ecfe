package org.referralexchange.adapter.provider;

import java.time.Instant;

/**
 * A referral already delivered to a provider.
 *
 * @param referralId the exchange's id
 * @param providerReference the provider's reference returned by {@code deliver}
 * @param submittedAt when the referral was submitted, so before anything the provider holds for it
 *     was written; null when not known. A poll that asks "what changed since" starts no later than
 *     this for a referral it has not followed before.
 */
public record TrackedReferral(String referralId, String providerReference, Instant submittedAt) {

  public TrackedReferral(String referralId, String providerReference) {
    this(referralId, providerReference, null);
  }
}
