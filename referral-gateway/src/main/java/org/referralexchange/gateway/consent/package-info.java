/**
 * Clients' consents to share: recorded and revoked by the disclosing agency, kept on a compacted
 * topic, and read back by the referral check. Revoking cancels the referrals a consent covered.
 */
package org.referralexchange.gateway.consent;
