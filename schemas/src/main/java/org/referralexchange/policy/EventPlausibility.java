package org.referralexchange.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.referralexchange.events.v1.ConsentExpired;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;

/**
 * What an event read from a topic must say to be possible at all, whatever came before it: a record
 * that decodes against its schema and still fails one of these is refused by every reader (not
 * applied, not acted on, dead-lettered by the service that writes dead letters). Checks that need
 * what came before (the lifecycle's transitions, the referral's provider) are the views' own.
 *
 * <p>Every refusal is a stable code plus a detail made of codes and statuses only: never an id,
 * never client data, so it may go into a log line and a dead-letter header.
 */
public final class EventPlausibility {

  /**
   * How far ahead of this reader's clock an event may say it happened: clocks of hosts disagree by
   * seconds, not by a day; a day ahead is a broken clock or a forged event.
   */
  public static final Duration FUTURE_TOLERANCE = Duration.ofDays(1);

  private EventPlausibility() {}

  /**
   * Checks one event read under {@code key} (the Kafka key), as of {@code now}.
   *
   * @param event a generated event of the exchange; other types pass unchecked
   */
  public static PolicyDecision check(String key, Object event, Instant now) {
    if (event instanceof ReferralSubmitted submitted) {
      return first(
          referral(key, submitted.getReferralId(), submitted.getOccurredAt(), now),
          notBlank(submitted.getTarget().getProviderId(), "provider-missing", "no provider id"),
          // No respondBy: the provider's response window decides, which the adapter counts.
          submitted.getRespondBy() == null
                  || submitted.getRespondBy().isAfter(submitted.getOccurredAt())
              ? PolicyDecision.allowed()
              : PolicyDecision.rejected(
                  "respond-by-before-submission", "respondBy is not after occurredAt"));
    }
    if (event instanceof ReferralStatusChanged changed) {
      ReferralLifecycle.Change change =
          new ReferralLifecycle.Change(
              Optional.empty(),
              changed.getStatus(),
              changed.getActor().getRole(),
              // As the producers decide it: a reason is given when there is one.
              changed.getReason() != null);
      return first(
          referral(key, changed.getReferralId(), changed.getOccurredAt(), now),
          notBlank(changed.getProviderId(), "provider-missing", "no provider id"),
          ReferralLifecycle.ACTOR_MAY_SET_STATUS.evaluate(change),
          ReferralLifecycle.REASON_GIVEN.evaluate(change),
          skippedOnTheWay(changed));
    }
    if (event instanceof ReferralDelivered delivered) {
      return referral(key, delivered.getReferralId(), delivered.getOccurredAt(), now);
    }
    if (event instanceof ReferralOverdue overdue) {
      return referral(key, overdue.getReferralId(), overdue.getOccurredAt(), now);
    }
    if (event instanceof NotificationRecorded recorded) {
      return referral(key, recorded.getReferralId(), recorded.getOccurredAt(), now);
    }
    if (event instanceof ConsentRecorded recorded) {
      return consent(key, recorded.getConsent().getConsentId(), recorded.getOccurredAt(), now);
    }
    if (event instanceof ConsentRevoked revoked) {
      return consent(key, revoked.getConsent().getConsentId(), revoked.getOccurredAt(), now);
    }
    if (event instanceof ConsentExpired expired) {
      return consent(key, expired.getConsent().getConsentId(), expired.getOccurredAt(), now);
    }
    return PolicyDecision.allowed();
  }

  /**
   * Whether a status change read from the log can follow the referral's status as the log told it
   * so far ({@link org.referralexchange.events.v1.ReferralStatus#REQUESTED} before any change): the
   * lifecycle's policies. Repeating the current status is not refused (a repeat changes nothing).
   */
  public static PolicyDecision follows(
      org.referralexchange.events.v1.ReferralStatus current, ReferralStatusChanged changed) {
    ReferralLifecycle.Change change =
        new ReferralLifecycle.Change(
            Optional.of(current),
            changed.getStatus(),
            changed.getActor().getRole(),
            // As the producers decide it: a reason is given when there is one.
            changed.getReason() != null);
    return ReferralLifecycle.isDuplicate(change)
        ? PolicyDecision.allowed()
        : ReferralLifecycle.check(change);
  }

  /**
   * What a change says it skipped are statuses a referral passes through on its way: open ones past
   * the start ({@code ACCEPTED}, {@code IN_PROGRESS}, {@code ON_HOLD}), never the status itself.
   * Whether they are the right ones for the status before is the lifecycle's check in the views.
   */
  private static PolicyDecision skippedOnTheWay(ReferralStatusChanged changed) {
    List<org.referralexchange.events.v1.ReferralStatus> skipped = changed.getSkipped();
    boolean onTheWay =
        skipped.stream()
            .allMatch(
                s ->
                    ReferralLifecycle.isOpen(s)
                        && ReferralLifecycle.asRead(s)
                            != org.referralexchange.events.v1.ReferralStatus.REQUESTED
                        && s != changed.getStatus());
    return onTheWay
        ? PolicyDecision.allowed()
        : PolicyDecision.rejected(
            "skipped-implausible",
            "skipped holds a status no referral passes through on its way to "
                + changed.getStatus());
  }

  /** Whether an event about a referral names the provider its submission was sent to. */
  public static PolicyDecision sameProvider(String submittedTo, String named) {
    return submittedTo.equals(named)
        ? PolicyDecision.allowed()
        : PolicyDecision.rejected(
            "provider-mismatch", "the event names another provider than the submission");
  }

  private static PolicyDecision referral(String key, String referralId, Instant at, Instant now) {
    return first(
        notBlank(referralId, "referral-id-missing", "referralId is blank"),
        matches(key, referralId, "referralId"),
        notInFuture(at, now));
  }

  private static PolicyDecision consent(String key, String consentId, Instant at, Instant now) {
    return first(
        notBlank(consentId, "consent-id-missing", "consentId is blank"),
        matches(key, consentId, "consentId"),
        notInFuture(at, now));
  }

  private static PolicyDecision matches(String key, String id, String field) {
    return id.equals(key)
        ? PolicyDecision.allowed()
        : PolicyDecision.rejected("key-mismatch", "the record key is not the event's " + field);
  }

  private static PolicyDecision notInFuture(Instant at, Instant now) {
    return at.isAfter(now.plus(FUTURE_TOLERANCE))
        ? PolicyDecision.rejected(
            "occurred-in-future", "occurredAt is more than " + FUTURE_TOLERANCE + " ahead")
        : PolicyDecision.allowed();
  }

  private static PolicyDecision notBlank(String value, String code, String detail) {
    return isBlank(value) ? PolicyDecision.rejected(code, detail) : PolicyDecision.allowed();
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  private static PolicyDecision first(PolicyDecision... decisions) {
    return List.of(decisions).stream()
        .filter(d -> !d.isAllowed())
        .findFirst()
        .orElse(PolicyDecision.allowed());
  }
}
