/**
 * What the adapter knows about each referral and consent, rebuilt from the topics on every start:
 * submitted, delivered, every status, every overdue notice, every consent and revocation.
 */
package org.referralexchange.adapter.referral;
