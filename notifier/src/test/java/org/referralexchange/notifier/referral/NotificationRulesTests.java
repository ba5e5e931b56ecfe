package org.referralexchange.notifier.referral;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.EnumSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;

class NotificationRulesTests {

  final NotificationRules defaults =
      new NotificationRules(
          EnumSet.of(
              ReferralStatus.ACCEPTED,
              ReferralStatus.REJECTED,
              ReferralStatus.COMPLETED,
              ReferralStatus.CANCELLED,
              ReferralStatus.FAILED));

  @Test
  void configuredStatusesNotifyAndOthersDoNot() {
    assertThat(defaults.topicOf(status(ReferralStatus.ACCEPTED, ActorRole.PROVIDER, null)))
        .contains("accepted");
    assertThat(defaults.topicOf(status(ReferralStatus.REJECTED, ActorRole.PROVIDER, "duplicate")))
        .contains("rejected");
    assertThat(defaults.topicOf(status(ReferralStatus.RECEIVED, ActorRole.PROVIDER, null)))
        .isEmpty();
    assertThat(defaults.topicOf(status(ReferralStatus.IN_PROGRESS, ActorRole.PROVIDER, null)))
        .isEmpty();
  }

  @Test
  void aJumpIntoTheWorkPastAcceptedIsTheAcceptedMessage() {
    ReferralStatusChanged started = status(ReferralStatus.IN_PROGRESS, ActorRole.PROVIDER, null);
    started.setSkipped(java.util.List.of(ReferralStatus.ACCEPTED));
    assertThat(defaults.topicOf(started)).contains("accepted");
    ReferralStatusChanged held = status(ReferralStatus.ON_HOLD, ActorRole.PROVIDER, "other");
    held.setSkipped(java.util.List.of(ReferralStatus.ACCEPTED));
    assertThat(defaults.topicOf(held)).contains("accepted");
    assertThat(new NotificationRules(EnumSet.of(ReferralStatus.COMPLETED)).topicOf(started))
        .isEmpty();
  }

  @Test
  void aJumpToCompletedIsTheCompletedMessageAlone() {
    ReferralStatusChanged completed = status(ReferralStatus.COMPLETED, ActorRole.PROVIDER, null);
    completed.setSkipped(java.util.List.of(ReferralStatus.ACCEPTED));
    assertThat(defaults.topicOf(completed)).contains("completed");
  }

  @Test
  void theProvidersAndTheExchangesCancellationsNotifyButNotTheCaseManagersOwn() {
    assertThat(defaults.topicOf(status(ReferralStatus.CANCELLED, ActorRole.PROVIDER, "other")))
        .contains("cancelled");
    assertThat(defaults.topicOf(status(ReferralStatus.CANCELLED, ActorRole.REQUESTER, "other")))
        .isEmpty();
    assertThat(
            defaults.topicOf(
                status(ReferralStatus.CANCELLED, ActorRole.EXCHANGE, "consent-revoked")))
        .contains("cancelled-by-exchange");
    assertThat(
            defaults.topicOf(
                status(ReferralStatus.CANCELLED, ActorRole.EXCHANGE, "consent-expired")))
        .contains("cancelled-by-exchange");
  }

  @Test
  void failedWithNoResponseIsTheReferralComingBack() {
    assertThat(defaults.topicOf(status(ReferralStatus.FAILED, ActorRole.EXCHANGE, "no-response")))
        .contains("no-response");
    assertThat(defaults.topicOf(status(ReferralStatus.FAILED, ActorRole.PROVIDER, "other")))
        .contains("failed");
  }

  @Test
  void failedBecauseNoAdapterServesTheProviderIsItsOwnTopic() {
    assertThat(
            defaults.topicOf(
                status(ReferralStatus.FAILED, ActorRole.EXCHANGE, "provider-not-served")))
        .contains("provider-not-served");
  }

  @Test
  void aStatusLeftOutOfTheConfigurationDoesNotNotify() {
    NotificationRules acceptedOnly = new NotificationRules(EnumSet.of(ReferralStatus.ACCEPTED));
    assertThat(acceptedOnly.topicOf(status(ReferralStatus.COMPLETED, ActorRole.PROVIDER, null)))
        .isEmpty();
  }

  @Test
  void onlyTheOverdueReminderNotifiesTheReturnIsSaidByItsFailedEvent() {
    assertThat(defaults.topicOf(overdue(OverdueStage.REMINDER))).contains("overdue-reminder");
    assertThat(defaults.topicOf(overdue(OverdueStage.RETURNED))).isEmpty();
  }

  static ReferralStatusChanged status(ReferralStatus status, ActorRole role, String reason) {
    return ReferralStatusChanged.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(Instant.now())
        .setReferralId("ref-1")
        .setProviderId("food")
        .setStatus(status)
        .setReason(reason == null ? null : Reason.newBuilder().setCode(reason).build())
        .setActor(Actor.newBuilder().setRole(role).setOrganizationId("org").build())
        .build();
  }

  static ReferralOverdue overdue(OverdueStage stage) {
    return ReferralOverdue.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(Instant.now())
        .setReferralId("ref-1")
        .setProviderId("food")
        .setRespondBy(Instant.now())
        .setOverdueByMillis(1)
        .setStage(stage)
        .build();
  }
}
