package org.referralexchange.notifier.referral;

import java.util.Optional;
import java.util.Set;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.policy.ReferralLifecycle;

/**
 * Which events tell the case manager something, and what: one small policy, no Spring. A status
 * notifies when configured; CANCELLED when the provider or the exchange cancelled (the case
 * manager's own cancellation needs no message); FAILED with reason {@code no-response} is the
 * referral coming back, and with reason {@code provider-not-served} the referral coming back
 * undelivered; an overdue REMINDER says the provider has not answered yet. RETURNED is followed by
 * that FAILED event, so it says nothing of its own. A provider's report that jumped past ACCEPTED
 * into the work itself (requested straight to in-progress or on-hold) tells what the case manager
 * would otherwise never hear, that the provider took the referral: it is an ACCEPTED message. A
 * jump to a status that notifies (requested straight to completed) gets that status's message
 * alone.
 */
public final class NotificationRules {

  public static final String NO_RESPONSE = "no-response";
  public static final String OVERDUE_REMINDER = "overdue-reminder";

  /** FAILED because no adapter serves the provider: the referral comes back undelivered. */
  public static final String PROVIDER_NOT_SERVED = "provider-not-served";

  /**
   * CANCELLED by the exchange itself (the consent was revoked or expired, or no longer covers the
   * referral): the case manager did not do it and must hear of it. Its event id is derived from the
   * reason and the referral, so the one cancellation is one message.
   */
  public static final String CANCELLED_BY_EXCHANGE = "cancelled-by-exchange";

  private final Set<ReferralStatus> notifyOn;

  public NotificationRules(Set<ReferralStatus> notifyOn) {
    this.notifyOn = Set.copyOf(notifyOn);
  }

  /** The notification topic of a status change, or empty when it notifies no one. */
  public Optional<String> topicOf(ReferralStatusChanged changed) {
    ReferralStatus status = changed.getStatus();
    if (!notifyOn.contains(status)) {
      return tookItWithoutSaying(changed) ? Optional.of("accepted") : Optional.empty();
    }
    if (status == ReferralStatus.CANCELLED && changed.getActor().getRole() == ActorRole.EXCHANGE) {
      return Optional.of(CANCELLED_BY_EXCHANGE);
    }
    if (status == ReferralStatus.CANCELLED && changed.getActor().getRole() != ActorRole.PROVIDER) {
      return Optional.empty();
    }
    if (status == ReferralStatus.FAILED
        && changed.getReason() != null
        && NO_RESPONSE.equals(changed.getReason().getCode())) {
      return Optional.of(NO_RESPONSE);
    }
    if (status == ReferralStatus.FAILED
        && changed.getReason() != null
        && PROVIDER_NOT_SERVED.equals(changed.getReason().getCode())) {
      return Optional.of(PROVIDER_NOT_SERVED);
    }
    return Optional.of(status.name().toLowerCase().replace('_', '-'));
  }

  private boolean tookItWithoutSaying(ReferralStatusChanged changed) {
    return notifyOn.contains(ReferralStatus.ACCEPTED)
        && changed.getSkipped().contains(ReferralStatus.ACCEPTED)
        && ReferralLifecycle.isOpen(changed.getStatus());
  }

  /** The notification topic of an overdue event, or empty. */
  public Optional<String> topicOf(ReferralOverdue overdue) {
    return overdue.getStage() == OverdueStage.REMINDER
        ? Optional.of(OVERDUE_REMINDER)
        : Optional.empty();
  }
}
