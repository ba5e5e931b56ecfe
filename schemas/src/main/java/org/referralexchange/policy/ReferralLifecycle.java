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

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * The referral lifecycle: FHIR Task statuses as the Gravity SDOH Clinical Care IG profiles them
 * (its Referral Task State Diagram), with who may set which status, which statuses follow which and
 * when a reason is required. A change is checked by every policy in {@link #POLICIES}; the first
 * that refuses decides.
 *
 * <p>A provider's report is a fact about its own system: polling sees only the status a Task has
 * now and callbacks arrive out of order, so a status reachable through allowed steps is a change,
 * not only the next step ({@link #skipped} names what was not seen). {@code RECEIVED} stays in the
 * event contract for older records but reads as {@code REQUESTED} everywhere ({@link #asRead}).
 *
 * <p>Decisions beyond the domain brief, stated here so they are easy to change: the exchange itself
 * may cancel (consent revoked) and fail (no response, delivery failed) a referral; the requester
 * may mark any non-terminal referral entered-in-error.
 */
public final class ReferralLifecycle {

  /** Statuses from which nothing moves on. */
  public static final Set<ReferralStatus> TERMINAL =
      EnumSet.of(COMPLETED, REJECTED, CANCELLED, FAILED, ENTERED_IN_ERROR);

  /** Statuses that need a reason: its text, its code, or both. */
  public static final Set<ReferralStatus> REASON_REQUIRED =
      EnumSet.of(REJECTED, CANCELLED, ON_HOLD, FAILED);

  private static final Map<ActorRole, Set<ReferralStatus>> MAY_SET =
      Map.of(
          ActorRole.REQUESTER, EnumSet.of(REQUESTED, CANCELLED, ENTERED_IN_ERROR),
          // RECEIVED: an older system's word for "still requested", never a change (asRead).
          ActorRole.PROVIDER,
              EnumSet.of(
                  RECEIVED, ACCEPTED, REJECTED, IN_PROGRESS, ON_HOLD, FAILED, COMPLETED, CANCELLED),
          ActorRole.EXCHANGE, EnumSet.of(CANCELLED, FAILED));

  /** The allowed steps, exactly as DOMAIN.md lists them. */
  private static final Map<ReferralStatus, Set<ReferralStatus>> STEPS =
      Map.of(
          REQUESTED, EnumSet.of(ACCEPTED, REJECTED, CANCELLED, FAILED),
          ACCEPTED, EnumSet.of(IN_PROGRESS, ON_HOLD, COMPLETED, FAILED, CANCELLED),
          IN_PROGRESS, EnumSet.of(ON_HOLD, COMPLETED, FAILED, CANCELLED),
          ON_HOLD, EnumSet.of(IN_PROGRESS, COMPLETED, FAILED, CANCELLED));

  /** For each status, the shortest way to every status reachable from it (the statuses between). */
  private static final Map<ReferralStatus, Map<ReferralStatus, List<ReferralStatus>>> PATHS =
      shortestPaths();

  /**
   * How a provider's status was observed, which decides what a report the referral has already
   * passed means ({@link #isSuperseded}).
   */
  public enum ReportKind {
    /**
     * A report of a change, such as a webhook callback: callbacks arrive out of order, so a late
     * one (accepted after completed) is old news, acknowledged and recorded nowhere.
     */
    EVENT,
    /**
     * The status a provider's record has now, such as a polled FHIR Task: it cannot be old news, so
     * a status the referral has passed means the record went back, which no path does: refused.
     */
    STATE
  }

  /**
   * A proposed status change.
   *
   * @param current the referral's status now; empty for a referral not yet submitted
   * @param next the status asked for
   * @param actor who asks
   * @param hasReason whether a reason was given: its text, its code or both ({@link #isReason})
   */
  public record Change(
      Optional<ReferralStatus> current, ReferralStatus next, ActorRole actor, boolean hasReason) {

    /** A change with the reason as given, whatever of it was given. */
    public static Change of(
        Optional<ReferralStatus> current,
        ReferralStatus next,
        ActorRole actor,
        String reasonCode,
        String reasonText) {
      return new Change(current, next, actor, isReason(reasonCode, reasonText));
    }

    /** The status now, as the lifecycle reads it. */
    Optional<ReferralStatus> from() {
      return current.map(ReferralLifecycle::asRead);
    }

    /** The status asked for, as the lifecycle reads it. */
    ReferralStatus to() {
      return asRead(next);
    }
  }

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
          change.from().filter(TERMINAL::contains).isPresent()
              ? PolicyDecision.rejected(
                  "referral-closed",
                  "the referral is already " + change.current().get() + " and cannot change")
              : PolicyDecision.allowed();

  /**
   * The status asked for is reachable from the current one through allowed steps (one step or
   * several: the steps between happened where the exchange did not see them).
   */
  public static final Policy TRANSITION_ALLOWED =
      change -> {
        if (change.current().isEmpty()) {
          return change.next() == REQUESTED
              ? PolicyDecision.allowed()
              : PolicyDecision.rejected(
                  "transition-not-allowed", "a new referral starts as REQUESTED");
        }
        ReferralStatus from = change.from().get();
        boolean allowed =
            reachable(from, change.to())
                || (change.to() == ENTERED_IN_ERROR && !TERMINAL.contains(from));
        return allowed
            ? PolicyDecision.allowed()
            : PolicyDecision.rejected(
                "transition-not-allowed", "cannot move from " + from + " to " + change.to());
      };

  /** Declines, cancellations, holds and failures say why: in words, by a code, or both. */
  public static final Policy REASON_GIVEN =
      change ->
          REASON_REQUIRED.contains(change.next()) && !change.hasReason()
              ? PolicyDecision.rejected(
                  "reason-required", "status " + change.next() + " needs a reason (text or code)")
              : PolicyDecision.allowed();

  /** All lifecycle policies, in the order they are checked. */
  public static final List<Policy> POLICIES =
      List.of(ACTOR_MAY_SET_STATUS, TERMINAL_IS_FINAL, TRANSITION_ALLOWED, REASON_GIVEN);

  /** What a report means for a referral: see {@link #assess}. */
  public sealed interface Assessment {

    /** The referral already has this status: nothing to record. */
    record Duplicate() implements Assessment {}

    /** A late report of a status the referral has passed: acknowledged, nothing recorded. */
    record Superseded() implements Assessment {}

    /** Impossible: the policy that refused it. */
    record Refused(PolicyDecision.Rejected decision) implements Assessment {}

    /**
     * A change to record.
     *
     * @param skipped the statuses between, which the referral passed through unobserved
     */
    record Advanced(List<ReferralStatus> skipped) implements Assessment {
      public Advanced {
        skipped = List.copyOf(skipped);
      }
    }
  }

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

  /**
   * What a reported status means, in this order: a repeat of the current status; for an {@link
   * ReportKind#EVENT}, a late report the referral has passed; a change the policies refuse; or a
   * change to record, with the statuses it skipped.
   */
  public static Assessment assess(Change change, ReportKind kind) {
    if (isDuplicate(change)) {
      return new Assessment.Duplicate();
    }
    if (kind == ReportKind.EVENT && isSuperseded(change)) {
      return new Assessment.Superseded();
    }
    if (check(change) instanceof PolicyDecision.Rejected refused) {
      return new Assessment.Refused(refused);
    }
    return new Assessment.Advanced(
        change.from().map(from -> skipped(from, change.to())).orElse(List.of()));
  }

  /**
   * True when the change repeats the current status (a redelivered or repeated update); {@code
   * RECEIVED} repeats {@code REQUESTED}.
   */
  public static boolean isDuplicate(Change change) {
    return change.from().filter(c -> c == change.to()).isPresent();
  }

  /**
   * True when the change reports a status the referral has already passed: the current status is
   * reachable from it and it is not reachable from the current one (on-hold and in-progress reach
   * each other: that is a step, not old news). {@code REQUESTED} is never superseded: every
   * referral starts there and nothing steps into it, so a report of it after the referral moved on
   * says the provider's record went back (completed → requested), which no path does.
   */
  public static boolean isSuperseded(Change change) {
    if (change.from().isEmpty() || isDuplicate(change) || change.to() == REQUESTED) {
      return false;
    }
    ReferralStatus from = change.from().get();
    return ACTOR_MAY_SET_STATUS.evaluate(change).isAllowed()
        && reachable(change.to(), from)
        && !reachable(from, change.to());
  }

  /** Whether {@code to} can follow {@code from} through one or more allowed steps. */
  public static boolean reachable(ReferralStatus from, ReferralStatus to) {
    return PATHS.getOrDefault(asRead(from), Map.of()).containsKey(asRead(to));
  }

  /**
   * The statuses between {@code from} and {@code to} on the shortest way through allowed steps:
   * empty for one step, {@code [ACCEPTED]} from requested to completed, in-progress or on-hold.
   *
   * @throws IllegalArgumentException when {@code to} is not reachable from {@code from}
   */
  public static List<ReferralStatus> skipped(ReferralStatus from, ReferralStatus to) {
    if (asRead(to) == ENTERED_IN_ERROR && !TERMINAL.contains(asRead(from))) {
      return List.of(); // the requester's own step from any open status
    }
    List<ReferralStatus> between = PATHS.getOrDefault(asRead(from), Map.of()).get(asRead(to));
    if (between == null) {
      throw new IllegalArgumentException(to + " is not reachable from " + from);
    }
    return between;
  }

  /**
   * A status as the lifecycle reads it: {@code RECEIVED}, which SDOHCC 2.1 and later exclude from a
   * referral Task, is an older system's "still requested".
   */
  public static ReferralStatus asRead(ReferralStatus status) {
    return status == RECEIVED ? REQUESTED : status;
  }

  /** Whether a reason was given: a text or a code that is not blank. */
  public static boolean isReason(String code, String text) {
    return (code != null && !code.isBlank()) || (text != null && !text.isBlank());
  }

  /** True when the referral is still open (not in a terminal status). */
  public static boolean isOpen(ReferralStatus status) {
    return !TERMINAL.contains(status);
  }

  /** Breadth-first from every status over {@link #STEPS}, in the enum's order: deterministic. */
  private static Map<ReferralStatus, Map<ReferralStatus, List<ReferralStatus>>> shortestPaths() {
    Map<ReferralStatus, Map<ReferralStatus, List<ReferralStatus>>> all =
        new EnumMap<>(ReferralStatus.class);
    for (ReferralStatus start : ReferralStatus.values()) {
      Map<ReferralStatus, List<ReferralStatus>> found = new EnumMap<>(ReferralStatus.class);
      Deque<ReferralStatus> queue = new ArrayDeque<>(List.of(start));
      Map<ReferralStatus, List<ReferralStatus>> pathTo = new EnumMap<>(ReferralStatus.class);
      pathTo.put(start, List.of());
      while (!queue.isEmpty()) {
        ReferralStatus at = queue.removeFirst();
        for (ReferralStatus next : STEPS.getOrDefault(at, Set.of())) {
          if (pathTo.containsKey(next)) {
            continue;
          }
          List<ReferralStatus> between = new ArrayList<>(pathTo.get(at));
          if (at != start) {
            between.add(at);
          }
          pathTo.put(next, List.copyOf(between));
          found.put(next, List.copyOf(between));
          queue.addLast(next);
        }
      }
      all.put(start, Collections.unmodifiableMap(found));
    }
    return Collections.unmodifiableMap(all);
  }
}
