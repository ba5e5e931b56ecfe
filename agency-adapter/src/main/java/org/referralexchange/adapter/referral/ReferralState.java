package org.referralexchange.adapter.referral;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralSubmitted;

/**
 * One referral as the log tells it.
 *
 * @param submitted the submission (client data still encrypted)
 * @param status the latest status
 * @param statusSetBy who set it
 * @param providerReference set once the provider's system took the referral
 * @param providerAnswered whether the provider set any status (stops the response clock)
 * @param overdue the overdue notices already given
 * @param statusReason the reason code of the latest status, if it has one (e.g. {@code
 *     consent-revoked}): what a withdrawal tells the provider
 */
public record ReferralState(
    ReferralSubmitted submitted,
    ReferralStatus status,
    ActorRole statusSetBy,
    Optional<String> providerReference,
    boolean providerAnswered,
    Set<OverdueStage> overdue,
    Optional<String> statusReason) {

  public ReferralState {
    overdue = overdue.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(overdue));
  }

  public String referralId() {
    return submitted.getReferralId();
  }

  public String providerId() {
    return submitted.getTarget().getProviderId();
  }

  /**
   * The agency's respondBy, or null: then the provider's window decides ({@code ResponseDeadline}).
   */
  public Instant respondBy() {
    return submitted.getRespondBy();
  }

  public boolean delivered() {
    return providerReference.isPresent();
  }
}
