/**
 * Revocation and expiry enforced where the data is: the adapter ends every open referral whose
 * consent was revoked or has expired, so its providers are told to withdraw, delivered or not.
 */
package org.referralexchange.adapter.consent;
