package org.referralexchange.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.samples.SampleEvents;

class EventPlausibilityTests {

  private static final String ID = "county-hhs-ref-1";
  private static final Instant NOW = Instant.parse("2026-11-29T16:00:00Z");

  private static String refusedBy(String key, Object event) {
    return EventPlausibility.check(key, event, NOW) instanceof PolicyDecision.Rejected r
        ? r.policy()
        : "allowed";
  }

  private static ReferralSubmitted submitted() {
    return ReferralSubmitted.newBuilder(SampleEvents.referralSubmitted(ID))
        .setOccurredAt(NOW)
        .setRespondBy(NOW.plus(Duration.ofDays(2)))
        .build();
  }

  private static ReferralStatusChanged changed(ReferralStatus status, ActorRole role) {
    return ReferralStatusChanged.newBuilder(SampleEvents.completed(ID))
        .setOccurredAt(NOW)
        .setStatus(status)
        .setActor(Actor.newBuilder().setRole(role).setOrganizationId("someone").build())
        .build();
  }

  @Test
  void allowsARealSubmissionAndCompletion() {
    assertThat(refusedBy(ID, submitted())).isEqualTo("allowed");
    assertThat(refusedBy(ID, changed(ReferralStatus.COMPLETED, ActorRole.PROVIDER)))
        .isEqualTo("allowed");
  }

  @Test
  void refusesASubmissionWithABlankReferralId() {
    ReferralSubmitted blank = ReferralSubmitted.newBuilder(submitted()).setReferralId(" ").build();
    assertThat(refusedBy(" ", blank)).isEqualTo("referral-id-missing");
  }

  @Test
  void refusesAnEventWhoseKeyIsAnotherReferral() {
    assertThat(refusedBy("county-hhs-ref-2", submitted())).isEqualTo("key-mismatch");
  }

  @Test
  void refusesASubmissionDueBeforeItWasMade() {
    ReferralSubmitted early =
        ReferralSubmitted.newBuilder(submitted()).setRespondBy(NOW.minusSeconds(60)).build();
    assertThat(refusedBy(ID, early)).isEqualTo("respond-by-before-submission");
  }

  @Test
  void acceptsASubmissionWithoutRespondBy() {
    ReferralSubmitted open = ReferralSubmitted.newBuilder(submitted()).setRespondBy(null).build();
    assertThat(EventPlausibility.check(ID, open, NOW).isAllowed()).isTrue();
  }

  @Test
  void refusesAnEventThatHappensNextMonth() {
    ReferralStatusChanged later =
        ReferralStatusChanged.newBuilder(changed(ReferralStatus.ACCEPTED, ActorRole.PROVIDER))
            .setOccurredAt(NOW.plus(Duration.ofDays(30)))
            .build();
    assertThat(refusedBy(ID, later)).isEqualTo("occurred-in-future");
  }

  @Test
  void allowsAClockAFewMinutesAhead() {
    ReferralStatusChanged skewed =
        ReferralStatusChanged.newBuilder(changed(ReferralStatus.ACCEPTED, ActorRole.PROVIDER))
            .setOccurredAt(NOW.plus(Duration.ofMinutes(5)))
            .build();
    assertThat(refusedBy(ID, skewed)).isEqualTo("allowed");
  }

  @Test
  void refusesAStatusTheActorMayNotSet() {
    assertThat(refusedBy(ID, changed(ReferralStatus.COMPLETED, ActorRole.REQUESTER)))
        .isEqualTo("status-not-settable-by-actor");
  }

  @Test
  void refusesADeclineWithoutAReason() {
    assertThat(refusedBy(ID, changed(ReferralStatus.REJECTED, ActorRole.PROVIDER)))
        .isEqualTo("reason-required");
  }

  @Test
  void followsRefusesAChangeAfterATerminalStatusButNotARepeat() {
    ReferralStatusChanged accepted = changed(ReferralStatus.ACCEPTED, ActorRole.PROVIDER);
    assertThat(EventPlausibility.follows(ReferralStatus.REQUESTED, accepted).isAllowed()).isTrue();
    assertThat(EventPlausibility.follows(ReferralStatus.ACCEPTED, accepted).isAllowed()).isTrue();
    ReferralStatusChanged cancelled =
        ReferralStatusChanged.newBuilder(changed(ReferralStatus.CANCELLED, ActorRole.REQUESTER))
            .setReason(Reason.newBuilder().setCode("client-declined").setText("").build())
            .build();
    assertThat(EventPlausibility.follows(ReferralStatus.CANCELLED, accepted))
        .isEqualTo(
            PolicyDecision.rejected(
                "referral-closed", "the referral is already CANCELLED and cannot change"));
    assertThat(EventPlausibility.follows(ReferralStatus.REQUESTED, cancelled).isAllowed()).isTrue();
    assertThat(
            EventPlausibility.follows(
                ReferralStatus.REJECTED, changed(ReferralStatus.ACCEPTED, ActorRole.PROVIDER)))
        .isInstanceOf(PolicyDecision.Rejected.class);
  }

  @Test
  void followsAllowsARecordedJumpToAReachableStatus() {
    ReferralStatusChanged completed =
        ReferralStatusChanged.newBuilder(changed(ReferralStatus.COMPLETED, ActorRole.PROVIDER))
            .setSkipped(List.of(ReferralStatus.ACCEPTED))
            .build();

    assertThat(refusedBy(ID, completed)).isEqualTo("allowed");
    assertThat(EventPlausibility.follows(ReferralStatus.REQUESTED, completed))
        .isEqualTo(PolicyDecision.allowed());
    assertThat(
            EventPlausibility.follows(
                ReferralStatus.REQUESTED, changed(ReferralStatus.IN_PROGRESS, ActorRole.PROVIDER)))
        .isEqualTo(PolicyDecision.allowed());
  }

  @Test
  void followsReadsAnOlderRecordsReceivedAsStillRequested() {
    ReferralStatusChanged received = changed(ReferralStatus.RECEIVED, ActorRole.PROVIDER);

    assertThat(refusedBy(ID, received)).isEqualTo("allowed");
    assertThat(EventPlausibility.follows(ReferralStatus.REQUESTED, received))
        .isEqualTo(PolicyDecision.allowed());
    assertThat(
            EventPlausibility.follows(
                ReferralStatus.RECEIVED, changed(ReferralStatus.ACCEPTED, ActorRole.PROVIDER)))
        .isEqualTo(PolicyDecision.allowed());
  }

  @Test
  void refusesAChangeThatSaysItSkippedAStatusNoReferralPassesThrough() {
    for (ReferralStatus odd :
        List.of(ReferralStatus.REQUESTED, ReferralStatus.REJECTED, ReferralStatus.COMPLETED)) {
      ReferralStatusChanged completed =
          ReferralStatusChanged.newBuilder(changed(ReferralStatus.COMPLETED, ActorRole.PROVIDER))
              .setSkipped(List.of(ReferralStatus.ACCEPTED, odd))
              .build();
      assertThat(refusedBy(ID, completed)).as(odd.toString()).isEqualTo("skipped-implausible");
    }
  }

  @Test
  void sameProviderRefusesAnotherProvider() {
    assertThat(EventPlausibility.sameProvider("a", "a").isAllowed()).isTrue();
    assertThat(EventPlausibility.sameProvider("a", "b"))
        .isEqualTo(
            PolicyDecision.rejected(
                "provider-mismatch", "the event names another provider than the submission"));
  }
}
