package org.referralexchange.gateway.referral;

import java.util.List;
import org.referralexchange.gateway.consent.OpenReferrals;
import org.springframework.stereotype.Component;

/** The open referrals under a consent, as this gateway's view of the log has them. */
@Component
class OpenReferralsUnderConsent implements OpenReferrals {

  private final ReferralView referrals;

  OpenReferralsUnderConsent(ReferralView referrals) {
    this.referrals = referrals;
  }

  @Override
  public List<String> under(String consentId) {
    return referrals.openUnder(consentId).stream().map(ReferralRecord::referralId).toList();
  }
}
