package org.referralexchange.adapter.provider;

/**
 * The provider took the referral.
 *
 * @param providerReference the provider's own reference for it (e.g. {@code Task/123})
 */
public record DeliveryReceipt(String providerReference) {}
