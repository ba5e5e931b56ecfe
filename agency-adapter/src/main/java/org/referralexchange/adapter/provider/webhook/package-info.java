/**
 * The signed-webhook provider kind: referrals go to the provider as Standard Webhooks POSTs, and
 * the provider calls back with signed status updates, which are verified before the core sees them.
 */
package org.referralexchange.adapter.provider.webhook;
