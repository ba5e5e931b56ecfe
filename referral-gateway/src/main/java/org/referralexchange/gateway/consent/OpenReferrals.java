package org.referralexchange.gateway.consent;

import java.util.List;

/**
 * The referrals still open under a consent: what its revocation or expiry event will end. Answered
 * by the referral feature, so consents do not depend on it. Ending them is the agency adapter's
 * job, driven by the consent event on the log (see the module README).
 */
public interface OpenReferrals {

  /** The ids of the open referrals made under {@code consentId}. */
  List<String> under(String consentId);
}
