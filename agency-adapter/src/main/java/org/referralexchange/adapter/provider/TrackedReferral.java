package org.referralexchange.adapter.provider;

/**
 * A referral already delivered to a provider.
 *
 * @param referralId the exchange's id
 * @param providerReference the provider's reference returned by {@code deliver}
 */
public record TrackedReferral(String referralId, String providerReference) {}
