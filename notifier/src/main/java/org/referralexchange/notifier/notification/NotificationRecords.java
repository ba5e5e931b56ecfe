package org.referralexchange.notifier.notification;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.UUID;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.notifier.referral.Trigger;

/**
 * How a {@code NotificationRecorded} is made, by the processor (SKIPPED) and the senders alike. Its
 * {@code eventId} is a UUID of source event, channel and outcome, so a record written again (the
 * at-least-once window) is the same event.
 */
final class NotificationRecords {

  private NotificationRecords() {}

  static NotificationRecorded recorded(
      Trigger trigger,
      NotificationChannel channel,
      String recipientId,
      NotificationOutcome outcome,
      String detail,
      String messageId,
      Clock clock) {
    return NotificationRecorded.newBuilder()
        .setEventId(eventId(trigger.sourceEventId(), channel, outcome))
        .setOccurredAt(clock.instant())
        .setReferralId(trigger.referralId())
        .setSourceEventId(trigger.sourceEventId())
        .setChannel(channel)
        .setRecipientId(recipientId)
        .setTopic(trigger.topic())
        .setOutcome(outcome)
        .setDetail(detail)
        .setProviderMessageId(messageId)
        .build();
  }

  static UUID eventId(
      UUID sourceEventId, NotificationChannel channel, NotificationOutcome outcome) {
    return UUID.nameUUIDFromBytes(
        (sourceEventId + "\u0000" + channel + "\u0000" + outcome).getBytes(StandardCharsets.UTF_8));
  }
}
