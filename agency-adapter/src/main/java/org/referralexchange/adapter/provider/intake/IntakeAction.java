package org.referralexchange.adapter.provider.intake;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * What a provider can do on its intake page, each the status it records and the statuses it is
 * offered from (the SDOHCC referral Task state diagram, as {@code ReferralLifecycle} enforces it).
 */
enum IntakeAction {
  ACCEPT("accept", "Accept", ReferralStatus.ACCEPTED, EnumSet.of(ReferralStatus.REQUESTED)),
  DECLINE("decline", "Decline", ReferralStatus.REJECTED, EnumSet.of(ReferralStatus.REQUESTED)),
  START(
      "start",
      "Start the service",
      ReferralStatus.IN_PROGRESS,
      EnumSet.of(ReferralStatus.ACCEPTED, ReferralStatus.ON_HOLD)),
  HOLD(
      "hold",
      "Put on hold",
      ReferralStatus.ON_HOLD,
      EnumSet.of(ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)),
  COMPLETE(
      "complete",
      "Complete",
      ReferralStatus.COMPLETED,
      EnumSet.of(ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.ON_HOLD));

  /** Decline reasons worth coding (the domain brief's list, less the exchange's own). */
  static final List<String> DECLINE_REASONS =
      List.of(
          "no-capacity",
          "not-eligible",
          "out-of-service-area",
          "client-declined",
          "could-not-contact",
          "duplicate",
          "other");

  /** Why a referral waits: SDOHCC capacity words and the contact reasons. */
  static final List<String> HOLD_REASONS =
      List.of("waitlist", "additional-assessment-required", "could-not-contact", "other");

  final String path;
  final String label;
  final ReferralStatus status;
  final Set<ReferralStatus> from;

  IntakeAction(String path, String label, ReferralStatus status, Set<ReferralStatus> from) {
    this.path = path;
    this.label = label;
    this.status = status;
    this.from = from;
  }

  static Optional<IntakeAction> byPath(String path) {
    for (IntakeAction action : values()) {
      if (action.path.equals(path)) {
        return Optional.of(action);
      }
    }
    return Optional.empty();
  }

  public String getPath() {
    return path;
  }

  public String getLabel() {
    return label;
  }
}
