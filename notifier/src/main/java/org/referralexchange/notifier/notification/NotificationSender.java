package org.referralexchange.notifier.notification;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.kafka.ExchangeKafkaProperties;
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
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Carries out {@link NotificationRequested} commands on their channel, off the stream threads, and
 * records each result on {@code notifications} in the listener container's Kafka transaction, which
 * also commits the commands' offsets: one transaction per poll of up to {@code
 * notifier.sender-batch} commands. The at-least-once window is "sent, transaction not yet
 * committed": at most one batch per sender thread.
 *
 * <ul>
 *   <li>SMS inside the case manager's quiet hours: recorded DEFERRED (the processor issues it again
 *       when they end);
 *   <li>an outage ({@link ChannelUnavailableException}): thrown, so the container rolls the batch
 *       back and retries it with the channel's backoff; nothing recorded, nothing dead-lettered;
 *   <li>a permanent refusal ({@link RecipientRejectedException}), or a failure nobody foresaw
 *       (which would fail again on every retry and hold up every command behind it): recorded
 *       FAILED and the source event dead-lettered with {@code
 *       exchange-dlt-reason=notification-failed}.
 * </ul>
 *
 * A command whose record is committed is never carried out again. Until that commit the record is
 * kept: if the broker did not take it, or the commit failed, the retried batch publishes the kept
 * record instead of sending again, so a broker outage alone never causes a duplicate.
 */
@Component
class NotificationSender {

  private static final Logger log = LoggerFactory.getLogger(NotificationSender.class);

  private final Map<NotificationChannel, ChannelDelivery> deliveries;
  private final Duration publishTimeout;
  private final SourceDeadLetters deadLetters;
  private final NotificationCounts counts;
  private final QuietHours quietHours;
  private final Clock clock;

  /** Records of commands carried out and not yet committed, by command id. */
  private final Map<UUID, NotificationRecorded> unrecorded = new ConcurrentHashMap<>();

  private final Map<NotificationChannel, Boolean> inOutage = new ConcurrentHashMap<>();

  NotificationSender(
      java.util.List<ChannelDelivery> deliveries,
      ExchangeKafkaProperties publishing,
      SourceDeadLetters deadLetters,
      NotificationCounts counts,
      NotifierProperties properties,
      Clock clock) {
    this.deliveries = new java.util.EnumMap<>(NotificationChannel.class);
    deliveries.forEach(d -> this.deliveries.put(d.channel(), d));
    this.publishTimeout = publishing.publishTimeout();
    this.deadLetters = deadLetters;
    this.counts = counts;
    this.quietHours = properties.quietHours();
    this.clock = clock;
  }

  /**
   * Carries out the command, or publishes the record kept from an earlier attempt; {@code records}
   * writes in the listener container's transaction.
   */
  void handle(NotificationRequested due, KafkaOperations<String, SpecificRecord> records) {
    MDC.put("referralId", due.getReferralId());
    try {
      NotificationRecorded kept = unrecorded.get(due.getEventId());
      if (kept != null) {
        publish(records, due.getEventId(), kept);
        return;
      }
      carryOut(due, records);
    } finally {
      MDC.remove("referralId");
    }
  }

  private void carryOut(
      NotificationRequested due, KafkaOperations<String, SpecificRecord> records) {
    NotificationChannel channel = due.getChannel();
    Trigger trigger;
    Contact contact;
    try {
      trigger = Trigger.of(due);
      contact = Contact.of(due);
    } catch (RuntimeException e) {
      // Nothing to record it under: the operator's copy of the source event says what went wrong.
      log.error("A {} command that cannot be read was dead-lettered: {}", channel, describe(e));
      deadLetters.deadLetter(due, unforeseen(e));
      return;
    }
    if (channel == NotificationChannel.SMS) {
      Optional<Instant> opens = quietHours.endsAfter(clock.instant(), contact.zone());
      if (opens.isPresent()) {
        log.info("{} SMS deferred: quiet hours until {}", trigger.topic(), opens.get());
        record(
            records,
            due,
            trigger,
            NotificationOutcome.DEFERRED,
            "quiet hours until " + opens.get(),
            null);
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
      record(records, due, trigger, NotificationOutcome.FAILED, e.getMessage(), null);
      deadLetters.deadLetter(due, e);
      return;
    } catch (RuntimeException e) {
      RuntimeException cause = unforeseen(e);
      log.error("{} {} to {} failed: {}", trigger.topic(), channel, recipient, describe(e));
      record(records, due, trigger, NotificationOutcome.FAILED, cause.getMessage(), null);
      deadLetters.deadLetter(due, cause);
      return;
    }
    if (Boolean.TRUE.equals(inOutage.remove(channel))) {
      log.info("{} is available again", channel);
    }
    log.info("Sent {} {} to {}", trigger.topic(), channel, recipient);
    record(records, due, trigger, NotificationOutcome.SENT, null, messageId);
  }

  /** Publishes the record, kept for a retry of the command until its transaction commits. */
  private void record(
      KafkaOperations<String, SpecificRecord> records,
      NotificationRequested due,
      Trigger trigger,
      NotificationOutcome outcome,
      String detail,
      String messageId) {
    counts.counted(due.getChannel(), outcome);
    NotificationRecorded recorded =
        NotificationRecords.recorded(
            trigger, due.getChannel(), due.getCaseManagerId(), outcome, detail, messageId, clock);
    if (outcome == NotificationOutcome.DEFERRED) {
      // Nothing was sent: a retry decides again.
      send(records, recorded);
      return;
    }
    unrecorded.put(due.getEventId(), recorded);
    publish(records, due.getEventId(), recorded);
  }

  /** Publishes a kept record; forgets it once the container's transaction has committed. */
  private void publish(
      KafkaOperations<String, SpecificRecord> records, UUID commandId, NotificationRecorded kept) {
    send(records, kept);
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
              if (status == STATUS_COMMITTED) {
                unrecorded.remove(commandId);
              }
            }
          });
    } else {
      unrecorded.remove(commandId);
    }
  }

  /**
   * Sends the record. In a transaction it does not wait: the commit fails if the broker did not
   * take it, and the batch is retried. Outside one it waits for the acknowledgement.
   */
  private void send(
      KafkaOperations<String, SpecificRecord> records, NotificationRecorded recorded) {
    CompletableFuture<?> sent =
        records.send(Topics.NOTIFICATIONS.name(), recorded.getReferralId(), recorded);
    if (records.inTransaction()) {
      return;
    }
    try {
      sent.get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while recording a notification", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "notifications did not take the record of " + recorded.getSourceEventId(), e);
    }
  }

  /**
   * A failure nobody foresaw, named by its type alone: its message may carry what the command
   * carries (a case manager's address), which must not reach a record or a dead-letter header.
   */
  private static RuntimeException unforeseen(RuntimeException e) {
    return new IllegalStateException("unforeseen " + e.getClass().getSimpleName());
  }

  private static String describe(RuntimeException e) {
    StackTraceElement[] at = e.getStackTrace();
    return e.getClass().getName() + (at.length == 0 ? "" : " at " + at[0]);
  }
}
