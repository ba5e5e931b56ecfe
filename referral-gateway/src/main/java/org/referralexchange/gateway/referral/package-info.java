/**
 * Referrals from agencies: consent-checked, encrypted, published once per Idempotency-Key, and
 * followed through their status timeline as the log tells it.
 */
package org.referralexchange.gateway.referral;
