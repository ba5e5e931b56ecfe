package org.referralexchange.notifier.notification;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
import org.referralexchange.notifier.channel.RecipientRejectedException;
import org.referralexchange.notifier.config.NotifierProperties;
import org.referralexchange.notifier.config.QuietHours;
import org.referralexchange.notifier.referral.Contact;
import org.referralexchange.notifier.referral.Trigger;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * Carries out one {@link NotificationRequested} on its channel, off the stream threads, and records
 * the result on {@code notifications} before its listener container commits the command's offset:
 * the at-least-once window is "sent, record not yet acknowledged", one message per sender thread.
 *
 * <ul>
 *   <li>SMS inside the case manager's quiet hours: recorded DEFERRED (the processor issues it again
 *       when they end);
 *   <li>an outage ({@link ChannelUnavailableException}): thrown, so the container retries the
 *       command with the channel's backoff; nothing recorded, nothing dead-lettered;
 *   <li>a permanent refusal ({@link RecipientRejectedException}): recorded FAILED and the source
 *       event dead-lettered with {@code exchange-dlt-reason=notification-failed}.
 * </ul>
 *
 * A record the broker did not take is kept and published when the container retries the command,
 * instead of sending again: a broker outage alone never causes a duplicate.
 */
@Component
class NotificationSender {

  private static final Logger log = LoggerFactory.getLogger(NotificationSender.class);

  private final Map<NotificationChannel, ChannelDelivery> deliveries;
  private final EventPublisher publisher;
  private final SourceDeadLetters deadLetters;
  private final NotificationCounts counts;
  private final QuietHours quietHours;
  private final Clock clock;

  /** Records of commands carried out whose publish failed, by command id. */
  private final Map<UUID, NotificationRecorded> unrecorded = new ConcurrentHashMap<>();

  private final Map<NotificationChannel, Boolean> inOutage = new ConcurrentHashMap<>();

  NotificationSender(
      java.util.List<ChannelDelivery> deliveries,
      EventPublisher publisher,
      SourceDeadLetters deadLetters,
      NotificationCounts counts,
      NotifierProperties properties,
      Clock clock) {
    this.deliveries = new java.util.EnumMap<>(NotificationChannel.class);
    deliveries.forEach(d -> this.deliveries.put(d.channel(), d));
    this.publisher = publisher;
    this.deadLetters = deadLetters;
    this.counts = counts;
    this.quietHours = properties.quietHours();
    this.clock = clock;
  }

  void handle(NotificationRequested due) {
    MDC.put("referralId", due.getReferralId());
    try {
      NotificationRecorded kept = unrecorded.get(due.getEventId());
      if (kept != null) {
        publisher.publish(Topics.NOTIFICATIONS, kept.getReferralId(), kept);
        unrecorded.remove(due.getEventId());
        return;
      }
      carryOut(due);
    } finally {
      MDC.remove("referralId");
    }
  }

  private void carryOut(NotificationRequested due) {
    NotificationChannel channel = due.getChannel();
    Trigger trigger = Trigger.of(due);
    Contact contact = Contact.of(due);
    if (channel == NotificationChannel.SMS) {
      Optional<Instant> opens = quietHours.endsAfter(clock.instant(), contact.zone());
      if (opens.isPresent()) {
        log.info("{} SMS deferred: quiet hours until {}", trigger.topic(), opens.get());
        record(
            due, trigger, NotificationOutcome.DEFERRED, "quiet hours until " + opens.get(), null);
        return;
      }
    }
    ChannelDelivery delivery = deliveries.get(channel);
    String recipient = delivery.recipient(contact);
    String messageId;
    try {
      messageId = delivery.send(trigger, contact);
    } catch (ChannelUnavailableException e) {
      counts.outage(channel);
      inOutage.put(channel, true);
      log.warn("{} unavailable, retried with backoff: {}", channel, e.getMessage());
      throw e;
    } catch (RecipientRejectedException e) {
      log.warn(
          "{} {} to {} failed for good: {}", trigger.topic(), channel, recipient, e.getMessage());
      record(due, trigger, NotificationOutcome.FAILED, e.getMessage(), null);
      deadLetters.deadLetter(due, e);
      return;
    }
    if (Boolean.TRUE.equals(inOutage.remove(channel))) {
      log.info("{} is available again", channel);
    }
    log.info("Sent {} {} to {}", trigger.topic(), channel, recipient);
    record(due, trigger, NotificationOutcome.SENT, null, messageId);
  }

  /** Publishes the record and waits for its acknowledgement; kept for the retry if not taken. */
  private void record(
      NotificationRequested due,
      Trigger trigger,
      NotificationOutcome outcome,
      String detail,
      String messageId) {
    counts.counted(due.getChannel(), outcome);
    NotificationRecorded recorded =
        NotificationRecords.recorded(
            trigger, due.getChannel(), due.getCaseManagerId(), outcome, detail, messageId, clock);
    try {
      publisher.publish(Topics.NOTIFICATIONS, due.getReferralId(), recorded);
    } catch (RuntimeException e) {
      if (outcome != NotificationOutcome.DEFERRED) {
        unrecorded.put(due.getEventId(), recorded);
      }
      throw e;
    }
  }
}
