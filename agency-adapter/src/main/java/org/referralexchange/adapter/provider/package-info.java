/**
 * The one extension point a partner agency implements to join the exchange: a {@link
 * org.referralexchange.adapter.provider.ProviderAdapter} that delivers referrals into its own
 * system and reports the answers. One sub-package per kind of provider system.
 */
package org.referralexchange.adapter.provider;
