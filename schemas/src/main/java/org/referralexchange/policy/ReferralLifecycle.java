package org.referralexchange.policy;

import static org.referralexchange.events.v1.ReferralStatus.ACCEPTED;
import static org.referralexchange.events.v1.ReferralStatus.CANCELLED;
import static org.referralexchange.events.v1.ReferralStatus.COMPLETED;
import static org.referralexchange.events.v1.ReferralStatus.ENTERED_IN_ERROR;
import static org.referralexchange.events.v1.ReferralStatus.FAILED;
import static org.referralexchange.events.v1.ReferralStatus.IN_PROGRESS;
import static org.referralexchange.events.v1.ReferralStatus.ON_HOLD;
import static org.referralexchange.events.v1.ReferralStatus.RECEIVED;
import static org.referralexchange.events.v1.ReferralStatus.REJECTED;
import static org.referralexchange.events.v1.ReferralStatus.REQUESTED;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * The referral lifecycle: FHIR Task statuses as the Gravity SDOH Clinical Care IG profiles them,
 * with who may set which status, which transitions are allowed and when a reason is required. A
 * change is checked by every policy in {@link #POLICIES}; the first that refuses decides.
 *
 * <p>Decisions beyond the domain brief, stated here so they are easy to change: the exchange itself
 * may cancel (consent revoked) and fail (no response, delivery failed) a referral; the requester
 * may mark any non-terminal referral entered-in-error.
 */
public final class ReferralLifecycle {

  /** Statuses from which nothing moves on. */
  public static final Set<ReferralStatus> TERMINAL =
      EnumSet.of(COMPLETED, REJECTED, CANCELLED, FAILED, ENTERED_IN_ERROR);

  /** Statuses that need a reason (code and text). */
  public static final Set<ReferralStatus> REASON_REQUIRED =
      EnumSet.of(REJECTED, CANCELLED, ON_HOLD, FAILED);

  private static final Map<ActorRole, Set<ReferralStatus>> MAY_SET =
      Map.of(
          ActorRole.REQUESTER, EnumSet.of(REQUESTED, CANCELLED, ENTERED_IN_ERROR),
          ActorRole.PROVIDER,
              EnumSet.of(
                  RECEIVED, ACCEPTED, REJECTED, IN_PROGRESS, ON_HOLD, FAILED, COMPLETED, CANCELLED),
          ActorRole.EXCHANGE, EnumSet.of(CANCELLED, FAILED));

  private static final Map<ReferralStatus, Set<ReferralStatus>> NEXT =
      Map.of(
          REQUESTED, EnumSet.of(RECEIVED, ACCEPTED, REJECTED, CANCELLED, FAILED),
          RECEIVED, EnumSet.of(ACCEPTED, REJECTED, CANCELLED),
          ACCEPTED, EnumSet.of(IN_PROGRESS, CANCELLED, COMPLETED),
          IN_PROGRESS, EnumSet.of(ON_HOLD, COMPLETED, CANCELLED, FAILED),
          ON_HOLD, EnumSet.of(IN_PROGRESS, CANCELLED));

  /**
   * A proposed status change.
   *
   * @param current the referral's status now; empty for a referral not yet submitted
   * @param next the status asked for
   * @param actor who asks
   * @param hasReason whether a reason code was given
   */
  public record Change(
      Optional<ReferralStatus> current, ReferralStatus next, ActorRole actor, boolean hasReason) {}

  /** One named rule of the lifecycle. */
  public interface Policy {
    PolicyDecision evaluate(Change change);
  }

  /** Only the side that owns a status may set it. */
  public static final Policy ACTOR_MAY_SET_STATUS =
      change ->
          MAY_SET.get(change.actor()).contains(change.next())
              ? PolicyDecision.allowed()
              : PolicyDecision.rejected(
                  "status-not-settable-by-actor",
                  change.actor() + " may not set status " + change.next());

  /** Terminal statuses are final. */
  public static final Policy TERMINAL_IS_FINAL =
      change ->
          change.current().filter(TERMINAL::contains).isPresent()
              ? PolicyDecision.rejected(
                  "referral-closed",
                  "the referral is already " + change.current().get() + " and cannot change")
              : PolicyDecision.allowed();

  /** Only the transitions of the lifecycle graph. */
  public static final Policy TRANSITION_ALLOWED =
      change -> {
        if (change.current().isEmpty()) {
          return change.next() == REQUESTED
              ? PolicyDecision.allowed()
              : PolicyDecision.rejected(
                  "transition-not-allowed", "a new referral starts as REQUESTED");
        }
        ReferralStatus from = change.current().get();
        boolean allowed =
            NEXT.getOrDefault(from, Set.of()).contains(change.next())
                || (change.next() == ENTERED_IN_ERROR && !TERMINAL.contains(from));
        return allowed
            ? PolicyDecision.allowed()
            : PolicyDecision.rejected(
                "transition-not-allowed", "cannot move from " + from + " to " + change.next());
      };

  /** Declines, cancellations, holds and failures say why. */
  public static final Policy REASON_GIVEN =
      change ->
          REASON_REQUIRED.contains(change.next()) && !change.hasReason()
              ? PolicyDecision.rejected(
                  "reason-required", "status " + change.next() + " needs a reason code")
              : PolicyDecision.allowed();

  /** All lifecycle policies, in the order they are checked. */
  public static final List<Policy> POLICIES =
      List.of(ACTOR_MAY_SET_STATUS, TERMINAL_IS_FINAL, TRANSITION_ALLOWED, REASON_GIVEN);

  private ReferralLifecycle() {}

  /**
   * Checks a change against every policy. Asking for the status the referral already has is not a
   * change: callers treat it as a duplicate and publish nothing ({@link #isDuplicate}).
   */
  public static PolicyDecision check(Change change) {
    for (Policy policy : POLICIES) {
      PolicyDecision decision = policy.evaluate(change);
      if (!decision.isAllowed()) {
        return decision;
      }
    }
    return PolicyDecision.allowed();
  }

  /** True when the change repeats the current status (a redelivered or repeated update). */
  public static boolean isDuplicate(Change change) {
    return change.current().filter(c -> c == change.next()).isPresent();
  }

  /** True when the referral is still open (not in a terminal status). */
  public static boolean isOpen(ReferralStatus status) {
    return !TERMINAL.contains(status);
  }
}
