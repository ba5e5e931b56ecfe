package org.referralexchange.adapter.provider.intake;

import java.time.Instant;

/**
 * What a verified intake link grants: one provider, one referral, until it expires.
 *
 * @param linkId random id of this link; status changes made through it name it ({@code actor.userId
 *     = intake-link/<linkId>}), which is how each action is used once
 * @param providerId the provider it was sent to
 * @param referralId the referral it opens
 * @param expiresAt when it stops opening anything
 */
record IntakeLink(String linkId, String providerId, String referralId, Instant expiresAt) {

  /** What status changes made through this link record as their actor's user. */
  String actor() {
    return "intake-link/" + linkId;
  }
}
