package org.referralexchange.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import static org.referralexchange.events.v1.ReferralStatus.REJECTED;
import static org.referralexchange.events.v1.ReferralStatus.REQUESTED;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.policy.ReferralLifecycle.Assessment;
import org.referralexchange.policy.ReferralLifecycle.Change;
import org.referralexchange.policy.ReferralLifecycle.ReportKind;

class ReferralLifecycleTests {

  /** The allowed steps exactly as DOMAIN.md's "Referral lifecycle" lists them. */
  private static final Set<String> STEPS =
      Set.of(
          "REQUESTED>ACCEPTED",
          "REQUESTED>REJECTED",
          "REQUESTED>CANCELLED",
          "REQUESTED>FAILED",
          "ACCEPTED>IN_PROGRESS",
          "ACCEPTED>ON_HOLD",
          "ACCEPTED>COMPLETED",
          "ACCEPTED>FAILED",
          "ACCEPTED>CANCELLED",
          "IN_PROGRESS>ON_HOLD",
          "IN_PROGRESS>COMPLETED",
          "IN_PROGRESS>FAILED",
          "IN_PROGRESS>CANCELLED",
          "ON_HOLD>IN_PROGRESS",
          "ON_HOLD>COMPLETED",
          "ON_HOLD>FAILED",
          "ON_HOLD>CANCELLED");

  /** The changes reachable only through more than one step, with the statuses skipped. */
  private static final Set<String> JUMPS =
      Set.of(
          "REQUESTED>IN_PROGRESS", "REQUESTED>ON_HOLD", "REQUESTED>COMPLETED", "ACCEPTED>ON_HOLD");

  private static Change provider(ReferralStatus from, ReferralStatus to) {
    return new Change(Optional.of(from), to, PROVIDER, true);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "REQUESTED, ACCEPTED",
    "REQUESTED, REJECTED",
    "REQUESTED, CANCELLED",
    "REQUESTED, FAILED",
    "ACCEPTED, IN_PROGRESS",
    "ACCEPTED, ON_HOLD",
    "ACCEPTED, COMPLETED",
    "ACCEPTED, FAILED",
    "ACCEPTED, CANCELLED",
    "IN_PROGRESS, ON_HOLD",
    "IN_PROGRESS, COMPLETED",
    "IN_PROGRESS, FAILED",
    "IN_PROGRESS, CANCELLED",
    "ON_HOLD, IN_PROGRESS",
    "ON_HOLD, COMPLETED",
    "ON_HOLD, FAILED",
    "ON_HOLD, CANCELLED"
  })
  void providerMayMakeEveryAllowedStepAndItSkipsNothing(ReferralStatus from, ReferralStatus to) {
    assertThat(ReferralLifecycle.check(provider(from, to))).isEqualTo(PolicyDecision.allowed());
    assertThat(ReferralLifecycle.skipped(from, to)).isEmpty();
    for (ReportKind kind : ReportKind.values()) {
      assertThat(ReferralLifecycle.assess(provider(from, to), kind))
          .as(kind.toString())
          .isEqualTo(new Assessment.Advanced(List.of()));
    }
  }

  @ParameterizedTest(name = "{0} -> {1} skips {2}")
  @CsvSource({
    "REQUESTED, IN_PROGRESS, ACCEPTED",
    "REQUESTED, ON_HOLD, ACCEPTED",
    "REQUESTED, COMPLETED, ACCEPTED",
    // The IG's diagram has accepted -> on-hold directly; in-progress is not assumed.
    "ACCEPTED, ON_HOLD, ''"
  })
  void aReachableStatusIsAChangeThatNamesWhatItSkipped(
      ReferralStatus from, ReferralStatus to, String skipped) {
    List<ReferralStatus> expected =
        skipped.isEmpty()
            ? List.of()
            : Arrays.stream(skipped.split(" ")).map(ReferralStatus::valueOf).toList();

    assertThat(ReferralLifecycle.check(provider(from, to))).isEqualTo(PolicyDecision.allowed());
    assertThat(ReferralLifecycle.skipped(from, to)).isEqualTo(expected);
    assertThat(ReferralLifecycle.assess(provider(from, to), ReportKind.STATE))
        .isEqualTo(new Assessment.Advanced(expected));
    assertThat(ReferralLifecycle.assess(provider(from, to), ReportKind.EVENT))
        .isEqualTo(new Assessment.Advanced(expected));
  }

  @Test
  void refusesEveryChangeNoPathReaches() {
    for (ReferralStatus from : ReferralStatus.values()) {
      for (ReferralStatus to : EnumSet.complementOf(EnumSet.of(ENTERED_IN_ERROR, RECEIVED))) {
        String pair = ReferralLifecycle.asRead(from) + ">" + to;
        if (ReferralLifecycle.asRead(from) == to || STEPS.contains(pair) || JUMPS.contains(pair)) {
          continue;
        }
        ActorRole actor = to == REQUESTED ? REQUESTER : PROVIDER;
        PolicyDecision decision =
            ReferralLifecycle.check(new Change(Optional.of(from), to, actor, true));
        assertThat(decision).as(from + " -> " + to).isInstanceOf(PolicyDecision.Rejected.class);
        assertThat(
                ReferralLifecycle.assess(
                    new Change(Optional.of(from), to, actor, true), ReportKind.STATE))
            .as(from + " -> " + to + " as a state")
            .isInstanceOf(Assessment.Refused.class);
      }
    }
  }

  @Test
  void terminalStatusesAreFinal() {
    for (ReferralStatus terminal : ReferralLifecycle.TERMINAL) {
      PolicyDecision decision = ReferralLifecycle.check(provider(terminal, CANCELLED));
      assertThat(decision)
          .as(terminal.toString())
          .isEqualTo(
              PolicyDecision.rejected(
                  "referral-closed", "the referral is already " + terminal + " and cannot change"));
    }
  }

  @ParameterizedTest(name = "{0} -> {1} ({2})")
  @CsvSource({
    "COMPLETED, ACCEPTED, referral-closed",
    "COMPLETED, REJECTED, referral-closed",
    "REJECTED, ACCEPTED, referral-closed",
    "CANCELLED, COMPLETED, referral-closed",
    "IN_PROGRESS, ACCEPTED, transition-not-allowed",
    "ON_HOLD, ACCEPTED, transition-not-allowed"
  })
  void aStateTheReferralHasPassedOrCannotReachIsRefused(
      ReferralStatus from, ReferralStatus to, String policy) {
    Assessment assessed = ReferralLifecycle.assess(provider(from, to), ReportKind.STATE);

    assertThat(assessed).isInstanceOf(Assessment.Refused.class);
    assertThat(((Assessment.Refused) assessed).decision().policy()).isEqualTo(policy);
  }

  @ParameterizedTest(name = "{0} then late {1}")
  @CsvSource({
    "COMPLETED, ACCEPTED",
    "COMPLETED, IN_PROGRESS",
    "COMPLETED, ON_HOLD",
    "IN_PROGRESS, ACCEPTED",
    "ON_HOLD, ACCEPTED",
    "CANCELLED, ACCEPTED",
    "FAILED, IN_PROGRESS"
  })
  void aLateEventOfAStatusTheReferralHasPassedIsSupersededAndRecordsNothing(
      ReferralStatus current, ReferralStatus late) {
    assertThat(ReferralLifecycle.isSuperseded(provider(current, late))).isTrue();
    assertThat(ReferralLifecycle.assess(provider(current, late), ReportKind.EVENT))
        .isEqualTo(new Assessment.Superseded());
  }

  @ParameterizedTest(name = "{0} then {1}")
  @CsvSource({
    // Nothing steps into requested: a report of it says the record went back.
    "COMPLETED, REQUESTED",
    "ACCEPTED, REQUESTED",
    "COMPLETED, RECEIVED",
    "ACCEPTED, RECEIVED",
    // Neither reaches the other.
    "REJECTED, ACCEPTED",
    "COMPLETED, CANCELLED",
    "CANCELLED, COMPLETED",
    "COMPLETED, FAILED"
  })
  void anImpossibleEventIsRefusedNotSuperseded(ReferralStatus current, ReferralStatus reported) {
    ActorRole actor = reported == REQUESTED ? REQUESTER : PROVIDER;
    Change change = new Change(Optional.of(current), reported, actor, true);

    assertThat(ReferralLifecycle.isSuperseded(change)).isFalse();
    assertThat(ReferralLifecycle.assess(change, ReportKind.EVENT))
        .isInstanceOf(Assessment.Refused.class);
  }

  @Test
  void onHoldAndInProgressReachEachOtherSoEitherIsAStepNotOldNews() {
    assertThat(ReferralLifecycle.assess(provider(ON_HOLD, IN_PROGRESS), ReportKind.EVENT))
        .isEqualTo(new Assessment.Advanced(List.of()));
    assertThat(ReferralLifecycle.assess(provider(IN_PROGRESS, ON_HOLD), ReportKind.EVENT))
        .isEqualTo(new Assessment.Advanced(List.of()));
  }

  @Test
  void receivedReadsAsRequestedAndRepeatsIt() {
    assertThat(ReferralLifecycle.asRead(RECEIVED)).isEqualTo(REQUESTED);
    assertThat(ReferralLifecycle.isDuplicate(provider(REQUESTED, RECEIVED))).isTrue();
    for (ReportKind kind : ReportKind.values()) {
      assertThat(ReferralLifecycle.assess(provider(REQUESTED, RECEIVED), kind))
          .isEqualTo(new Assessment.Duplicate());
    }
    // A referral recorded as RECEIVED by an older exchange moves on as from REQUESTED.
    assertThat(ReferralLifecycle.assess(provider(RECEIVED, COMPLETED), ReportKind.STATE))
        .isEqualTo(new Assessment.Advanced(List.of(ACCEPTED)));
    assertThat(ReferralLifecycle.check(provider(RECEIVED, REJECTED)))
        .isEqualTo(PolicyDecision.allowed());
  }

  @Test
  void skippedRefusesAStatusThatIsNotReachable() {
    assertThatThrownBy(() -> ReferralLifecycle.skipped(COMPLETED, ACCEPTED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "code={0} text={1} -> {2}")
  @CsvSource(
      nullValues = "null",
      value = {
        "no-capacity, null, true",
        "null, 'Waitlist is full until March', true",
        "no-capacity, 'Waitlist is full', true",
        "null, null, false",
        "'', '  ', false"
      })
  void aReasonIsItsTextItsCodeOrBoth(String code, String text, boolean given) {
    assertThat(ReferralLifecycle.isReason(code, text)).isEqualTo(given);
    Change declined = Change.of(Optional.of(REQUESTED), REJECTED, PROVIDER, code, text);
    assertThat(ReferralLifecycle.check(declined).isAllowed()).isEqualTo(given);
  }

  @ParameterizedTest
  @CsvSource({"REJECTED", "CANCELLED", "ON_HOLD", "FAILED"})
  void statusesThatNeedAReasonAreRefusedWithoutOne(ReferralStatus status) {
    ReferralStatus from = status == ON_HOLD ? IN_PROGRESS : REQUESTED;
    PolicyDecision decision =
        ReferralLifecycle.check(new Change(Optional.of(from), status, PROVIDER, false));
    assertThat(decision)
        .isEqualTo(
            PolicyDecision.rejected(
                "reason-required", "status " + status + " needs a reason (text or code)"));
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
            ReferralLifecycle.assess(
                new Change(Optional.of(ACCEPTED), ENTERED_IN_ERROR, REQUESTER, false),
                ReportKind.EVENT))
        .isEqualTo(new Assessment.Advanced(List.of()));
    assertThat(
            ReferralLifecycle.check(
                new Change(Optional.of(COMPLETED), ENTERED_IN_ERROR, REQUESTER, false)))
        .isInstanceOf(PolicyDecision.Rejected.class);
  }

  @Test
  void requesterMayWithdrawAReferralNobodyAnswered() {
    assertThat(
            ReferralLifecycle.check(new Change(Optional.of(REQUESTED), CANCELLED, REQUESTER, true)))
        .isEqualTo(PolicyDecision.allowed());
  }

  @Test
  void exchangeMayCancelOrFailButNotComplete() {
    assertThat(
            ReferralLifecycle.check(new Change(Optional.of(ACCEPTED), CANCELLED, EXCHANGE, true)))
        .isEqualTo(PolicyDecision.allowed());
    assertThat(ReferralLifecycle.check(new Change(Optional.of(REQUESTED), FAILED, EXCHANGE, true)))
        .isEqualTo(PolicyDecision.allowed());
    assertThat(
            ReferralLifecycle.check(new Change(Optional.of(ACCEPTED), COMPLETED, EXCHANGE, false)))
        .isInstanceOf(PolicyDecision.Rejected.class);
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
    assertThat(ReferralLifecycle.isDuplicate(provider(ACCEPTED, ACCEPTED))).isTrue();
    assertThat(ReferralLifecycle.isDuplicate(provider(RECEIVED, ACCEPTED))).isFalse();
  }
}
