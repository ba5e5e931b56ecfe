package org.referralexchange.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.events.v1.ActorRole.EXCHANGE;
import static org.referralexchange.events.v1.ActorRole.PROVIDER;
import static org.referralexchange.events.v1.ActorRole.REQUESTER;
import static org.referralexchange.events.v1.ReferralStatus.ACCEPTED;
import static org.referralexchange.events.v1.ReferralStatus.CANCELLED;
import static org.referralexchange.events.v1.ReferralStatus.COMPLETED;
import static org.referralexchange.events.v1.ReferralStatus.ENTERED_IN_ERROR;
import static org.referralexchange.events.v1.ReferralStatus.FAILED;
import static org.referralexchange.events.v1.ReferralStatus.IN_PROGRESS;
import static org.referralexchange.events.v1.ReferralStatus.ON_HOLD;
import static org.referralexchange.events.v1.ReferralStatus.RECEIVED;
import static org.referralexchange.events.v1.ReferralStatus.REQUESTED;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.policy.ReferralLifecycle.Change;

class ReferralLifecycleTests {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "REQUESTED, RECEIVED",
    "REQUESTED, ACCEPTED",
    "REQUESTED, REJECTED",
    "REQUESTED, CANCELLED",
    "REQUESTED, FAILED",
    "RECEIVED, ACCEPTED",
    "RECEIVED, REJECTED",
    "RECEIVED, CANCELLED",
    "ACCEPTED, IN_PROGRESS",
    "ACCEPTED, CANCELLED",
    "ACCEPTED, COMPLETED",
    "IN_PROGRESS, ON_HOLD",
    "IN_PROGRESS, COMPLETED",
    "IN_PROGRESS, CANCELLED",
    "IN_PROGRESS, FAILED",
    "ON_HOLD, IN_PROGRESS",
    "ON_HOLD, CANCELLED"
  })
  void providerMayMakeEveryListedTransition(ReferralStatus from, ReferralStatus to) {
    assertThat(ReferralLifecycle.check(new Change(Optional.of(from), to, PROVIDER, true)))
        .isEqualTo(PolicyDecision.allowed());
  }

  @Test
  void refusesEveryTransitionNotListed() {
    Set<String> allowed =
        Set.of(
            "REQUESTED>RECEIVED",
            "REQUESTED>ACCEPTED",
            "REQUESTED>REJECTED",
            "REQUESTED>CANCELLED",
            "REQUESTED>FAILED",
            "RECEIVED>ACCEPTED",
            "RECEIVED>REJECTED",
            "RECEIVED>CANCELLED",
            "ACCEPTED>IN_PROGRESS",
            "ACCEPTED>CANCELLED",
            "ACCEPTED>COMPLETED",
            "IN_PROGRESS>ON_HOLD",
            "IN_PROGRESS>COMPLETED",
            "IN_PROGRESS>CANCELLED",
            "IN_PROGRESS>FAILED",
            "ON_HOLD>IN_PROGRESS",
            "ON_HOLD>CANCELLED");
    for (ReferralStatus from : ReferralStatus.values()) {
      for (ReferralStatus to : EnumSet.complementOf(EnumSet.of(ENTERED_IN_ERROR, REQUESTED))) {
        if (from == to || allowed.contains(from + ">" + to)) {
          continue;
        }
        PolicyDecision decision =
            ReferralLifecycle.check(new Change(Optional.of(from), to, PROVIDER, true));
        assertThat(decision).as(from + " -> " + to).isInstanceOf(PolicyDecision.Rejected.class);
      }
    }
  }

  @Test
  void terminalStatusesAreFinal() {
    for (ReferralStatus terminal : ReferralLifecycle.TERMINAL) {
      PolicyDecision decision =
          ReferralLifecycle.check(new Change(Optional.of(terminal), CANCELLED, PROVIDER, true));
      assertThat(decision)
          .as(terminal.toString())
          .isEqualTo(
              PolicyDecision.rejected(
                  "referral-closed", "the referral is already " + terminal + " and cannot change"));
    }
  }

  @ParameterizedTest
  @CsvSource({"REJECTED", "CANCELLED", "ON_HOLD", "FAILED"})
  void statusesThatNeedAReasonAreRefusedWithoutOne(ReferralStatus status) {
    ReferralStatus from = status == ON_HOLD ? IN_PROGRESS : REQUESTED;
    PolicyDecision decision =
        ReferralLifecycle.check(new Change(Optional.of(from), status, PROVIDER, false));
    assertThat(decision).isInstanceOf(PolicyDecision.Rejected.class);
    assertThat(((PolicyDecision.Rejected) decision).policy()).isEqualTo("reason-required");
  }

  @Test
  void requesterCannotAcceptOnTheProvidersBehalf() {
    PolicyDecision decision =
        ReferralLifecycle.check(new Change(Optional.of(REQUESTED), ACCEPTED, REQUESTER, false));
    assertThat(((PolicyDecision.Rejected) decision).policy())
        .isEqualTo("status-not-settable-by-actor");
  }

  @Test
  void providerCannotMarkEnteredInErrorButRequesterCan() {
    assertThat(
            ReferralLifecycle.check(
                new Change(Optional.of(ACCEPTED), ENTERED_IN_ERROR, PROVIDER, false)))
        .isInstanceOf(PolicyDecision.Rejected.class);
    assertThat(
            ReferralLifecycle.check(
                new Change(Optional.of(ACCEPTED), ENTERED_IN_ERROR, REQUESTER, false)))
        .isEqualTo(PolicyDecision.allowed());
  }

  @Test
  void exchangeMayCancelOrFailButNotComplete() {
    for (ActorRole role : new ActorRole[] {EXCHANGE}) {
      assertThat(ReferralLifecycle.check(new Change(Optional.of(ACCEPTED), CANCELLED, role, true)))
          .isEqualTo(PolicyDecision.allowed());
      assertThat(ReferralLifecycle.check(new Change(Optional.of(REQUESTED), FAILED, role, true)))
          .isEqualTo(PolicyDecision.allowed());
      assertThat(ReferralLifecycle.check(new Change(Optional.of(ACCEPTED), COMPLETED, role, false)))
          .isInstanceOf(PolicyDecision.Rejected.class);
    }
  }

  @Test
  void newReferralStartsAsRequested() {
    assertThat(ReferralLifecycle.check(new Change(Optional.empty(), REQUESTED, REQUESTER, false)))
        .isEqualTo(PolicyDecision.allowed());
    assertThat(ReferralLifecycle.check(new Change(Optional.empty(), RECEIVED, PROVIDER, false)))
        .isInstanceOf(PolicyDecision.Rejected.class);
  }

  @Test
  void repeatingTheCurrentStatusIsADuplicateNotAChange() {
    assertThat(
            ReferralLifecycle.isDuplicate(
                new Change(Optional.of(ACCEPTED), ACCEPTED, PROVIDER, false)))
        .isTrue();
    assertThat(
            ReferralLifecycle.isDuplicate(
                new Change(Optional.of(RECEIVED), ACCEPTED, PROVIDER, false)))
        .isFalse();
  }
}
