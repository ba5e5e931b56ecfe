package org.referralexchange.notifier.notification;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.kafka.ExchangeKafkaProperties;
import org.referralexchange.kafka.WorkOwnership;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
import org.referralexchange.notifier.channel.EmailSender;
import org.referralexchange.notifier.channel.Masking;
import org.referralexchange.notifier.channel.RecipientRejectedException;
import org.referralexchange.notifier.channel.SmsSender;
import org.referralexchange.notifier.config.NotifierProperties;
import org.referralexchange.notifier.config.QuietHours;
import org.referralexchange.notifier.message.MessageComposer;
import org.referralexchange.notifier.referral.Contact;
import org.referralexchange.notifier.referral.ContactView;
import org.referralexchange.notifier.referral.NotificationRules;
import org.referralexchange.notifier.referral.Trigger;
import org.referralexchange.notifier.referral.TriggerView;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Walks the open triggers and sends, per channel the case manager wants, what the {@code
 * notifications} topic has no final record of, then records it right after the send. An in-memory
 * set keeps this instance from sending twice before its own record comes back from the log.
 *
 * <p>A channel in an outage (connection refused, 5xx) backs off exponentially and is retried until
 * it works; nothing is dead-lettered for it. A permanent refusal (invalid address or number) is
 * recorded FAILED and the source event goes to its dead-letter topic with the reason in headers.
 * SMS inside the case manager's quiet hours is recorded DEFERRED once and sent when they end.
 *
 * <p>Records are handed to the producer without waiting for each acknowledgement; the worker waits
 * for all of them at the end of every tick, and whenever {@code notifier.records-in-flight} are
 * waiting. A record the broker did not take is kept in memory and published before anything else.
 *
 * <p>With several instances, each sends only for the referrals of the partitions it owns ({@link
 * WorkOwnership}): a trigger is claimed before it is worked, and the claim is held until its
 * records are acknowledged, so a graceful handover never sends a message twice. A trigger another
 * instance owns is forgotten once the log shows it finished.
 */
@Component
class NotificationWorker {

  private static final Logger log = LoggerFactory.getLogger(NotificationWorker.class);
  private static final List<NotificationChannel> CHANNELS =
      List.of(NotificationChannel.EMAIL, NotificationChannel.SMS);

  private final TriggerView triggers;
  private final ContactView contacts;
  private final NotificationLog notified;
  private final MessageComposer composer;
  private final EmailSender email;
  private final Optional<SmsSender> sms;
  private final EventPublisher publisher;
  private final KafkaTemplate<String, SpecificRecord> deadLetters;
  private final EventLog eventLog;
  private final WorkOwnership ownership;
  private final NotifierProperties properties;
  private final ExchangeKafkaProperties kafka;
  private final QuietHours quietHours;
  private final Clock clock;
  private final MeterRegistry meters;

  /** Sent, failed or skipped by this instance; kept until the log holds the final record. */
  private final Set<NotificationLog.Key> handled = ConcurrentHashMap.newKeySet();

  /** Final records whose publish failed; published before anything else is sent. */
  private final Map<NotificationLog.Key, NotificationRecorded> unrecorded =
      new ConcurrentHashMap<>();

  /** Records handed to the producer and not yet acknowledged, oldest first. */
  private final List<InFlight> inFlight = new ArrayList<>();

  /** Claims of the triggers worked since the last wait for acks: closed after that wait. */
  private final List<WorkOwnership.Claim> claims = new ArrayList<>();

  private final Map<NotificationChannel, Outage> outages = new ConcurrentHashMap<>();

  /** Counters by channel and outcome, looked up once rather than on every notification. */
  private final Map<NotificationChannel, Map<NotificationOutcome, Counter>> notifications =
      new EnumMap<>(NotificationChannel.class);

  private final Map<NotificationChannel, Counter> outageCounters =
      new EnumMap<>(NotificationChannel.class);

  /** Failed attempts in a row on a channel and when to try it again. */
  private record Outage(int failures, Instant nextAt) {}

  /** A record on its way; {@code keep}: publish it again if the broker does not take it. */
  private record InFlight(NotificationLog.Key key, EventPublisher.Pending pending, boolean keep) {}

  NotificationWorker(
      TriggerView triggers,
      ContactView contacts,
      NotificationLog notified,
      MessageComposer composer,
      EmailSender email,
      ObjectProvider<SmsSender> sms,
      EventPublisher publisher,
      KafkaTemplate<String, SpecificRecord> eventTemplate,
      EventLog eventLog,
      WorkOwnership ownership,
      NotifierProperties properties,
      ExchangeKafkaProperties kafka,
      Clock clock,
      MeterRegistry meters) {
    this.triggers = triggers;
    this.contacts = contacts;
    this.notified = notified;
    this.composer = composer;
    this.email = email;
    this.sms = Optional.ofNullable(sms.getIfAvailable());
    this.publisher = publisher;
    this.deadLetters = eventTemplate;
    this.eventLog = eventLog;
    this.ownership = ownership;
    this.properties = properties;
    this.kafka = kafka;
    this.quietHours = properties.quietHours();
    this.clock = clock;
    this.meters = meters;
  }

  @Scheduled(fixedDelayString = "${notifier.tick-interval:PT1S}")
  void tick() {
    if (!eventLog.caughtUp()) {
      return;
    }
    try {
      try {
        sendAll();
      } finally {
        awaitRecords();
      }
    } catch (BrokerUnavailableException e) {
      log.warn("Broker unavailable, notifications wait: {}", e.getMessage());
    }
  }

  private void sendAll() {
    for (Map.Entry<NotificationLog.Key, NotificationRecorded> entry :
        List.copyOf(unrecorded.entrySet())) {
      publisher.publish(Topics.NOTIFICATIONS, entry.getValue().getReferralId(), entry.getValue());
      unrecorded.remove(entry.getKey());
    }
    for (Trigger trigger : triggers.open()) {
      Optional<WorkOwnership.Claim> claim = ownership.claim(trigger.referralId());
      if (claim.isEmpty()) {
        forgetIfFinishedElsewhere(trigger);
        continue;
      }
      MDC.put("referralId", trigger.referralId());
      try {
        work(trigger);
      } catch (BrokerUnavailableException e) {
        throw e;
      } catch (RuntimeException e) {
        log.warn("Notification of {} failed: {}", trigger.topic(), e.getClass().getSimpleName());
      } finally {
        // Released once the records sent for it are acknowledged (see awaitRecords).
        claims.add(claim.get());
        MDC.remove("referralId");
      }
    }
  }

  /**
   * A trigger of a referral another instance owns: forgotten once the log holds a final record for
   * every channel the case manager wants (for an unknown referral, the SKIPPED email), as the owner
   * forgets it after sending.
   */
  private void forgetIfFinishedElsewhere(Trigger trigger) {
    Optional<Contact> contact = contacts.get(trigger.referralId());
    boolean finished =
        contact.isEmpty()
            ? notified.isFinal(trigger.sourceEventId(), NotificationChannel.EMAIL)
            : CHANNELS.stream()
                .allMatch(
                    channel ->
                        !contact.get().channels().contains(channel)
                            || notified.isFinal(trigger.sourceEventId(), channel));
    if (finished) {
      triggers.finished(trigger.sourceEventId());
    }
  }

  /**
   * Waits for every record in flight. One the broker did not take goes back to {@link #unrecorded}
   * (unless DEFERRED, which is simply recorded again), and the first such failure is thrown after
   * all were waited for.
   */
  private void awaitRecords() {
    BrokerUnavailableException failure = null;
    try {
      for (InFlight record : inFlight) {
        try {
          record.pending().await();
        } catch (BrokerUnavailableException e) {
          if (record.keep()) {
            unrecorded.put(record.key(), (NotificationRecorded) record.pending().event());
          }
          failure = failure == null ? e : failure;
        }
      }
      inFlight.clear();
    } finally {
      // Every record of the triggers worked so far is settled (or this tick gave up on it): their
      // partitions may move.
      claims.forEach(WorkOwnership.Claim::close);
      claims.clear();
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void work(Trigger trigger) {
    Instant now = clock.instant();
    Optional<Contact> contact = contacts.get(trigger.referralId());
    if (contact.isEmpty()) {
      if (now.isBefore(trigger.firstSeen().plus(properties.waitForReferral()))) {
        return;
      }
      NotificationLog.Key key = key(trigger, NotificationChannel.EMAIL);
      if (!done(key)) {
        log.warn(
            "No submission seen for this referral within {}; {} notification skipped",
            properties.waitForReferral(),
            trigger.topic());
        handled.add(key);
        record(
            trigger,
            NotificationChannel.EMAIL,
            "unknown",
            NotificationOutcome.SKIPPED,
            "unknown referral",
            null);
      }
      triggers.finished(trigger.sourceEventId());
      return;
    }
    if (!contact.get().providerId().equals(trigger.providerId())) {
      // Read before its submission, so not checked against it then: impossible, nobody is told.
      log.warn("{} names another provider than the submission; not notified", trigger.topic());
      triggers.finished(trigger.sourceEventId());
      return;
    }
    if (NotificationRules.OVERDUE_REMINDER.equals(trigger.topic())
        && triggers.answered(trigger.referralId())) {
      // Read (or deferred by quiet hours) until after the answer: the reminder would be stale.
      for (NotificationChannel channel : CHANNELS) {
        skipped(trigger, contact.get(), channel, "answered before the reminder");
      }
      triggers.finished(trigger.sourceEventId());
      return;
    }
    Optional<Trigger> told =
        contact.get().answersWithheld() ? trigger.withheld() : Optional.of(trigger);
    boolean finished = true;
    for (NotificationChannel channel : CHANNELS) {
      finished &=
          told.isPresent()
              ? handle(told.get(), contact.get(), channel, now)
              : withheld(trigger, contact.get(), channel);
    }
    if (finished) {
      triggers.finished(trigger.sourceEventId());
    }
  }

  /**
   * A Part 2 provider's later answer the consent withholds from the referrer: nothing is sent, and
   * that is recorded once per wanted channel.
   */
  private boolean withheld(Trigger trigger, Contact contact, NotificationChannel channel) {
    skipped(trigger, contact, channel, "part 2 answer withheld");
    return true;
  }

  /** Records once, on a channel the case manager wants, that nothing is sent and why. */
  private void skipped(
      Trigger trigger, Contact contact, NotificationChannel channel, String because) {
    NotificationLog.Key key = key(trigger, channel);
    if (!done(key) && contact.channels().contains(channel)) {
      handled.add(key);
      record(trigger, channel, contact.caseManagerId(), NotificationOutcome.SKIPPED, because, null);
    }
  }

  /** Sends on one channel if due; true when this channel is finished for the trigger. */
  private boolean handle(
      Trigger trigger, Contact contact, NotificationChannel channel, Instant now) {
    NotificationLog.Key key = key(trigger, channel);
    if (done(key) || !contact.channels().contains(channel)) {
      return true;
    }
    String missing = missing(contact, channel);
    if (missing != null) {
      handled.add(key);
      log.warn("{} {} skipped: {}", trigger.topic(), channel, missing);
      record(trigger, channel, contact.caseManagerId(), NotificationOutcome.SKIPPED, missing, null);
      return true;
    }
    if (channel == NotificationChannel.SMS) {
      Optional<Instant> opens = quietHours.endsAfter(now, contact.zone());
      if (opens.isPresent()) {
        if (notified.outcome(key.sourceEventId(), channel).isEmpty()) {
          log.info("{} SMS deferred: quiet hours until {}", trigger.topic(), opens.get());
          record(
              trigger,
              channel,
              contact.caseManagerId(),
              NotificationOutcome.DEFERRED,
              "quiet hours until " + opens.get(),
              null);
        }
        return false;
      }
    }
    Outage outage = outages.get(channel);
    if (outage != null && now.isBefore(outage.nextAt())) {
      return false;
    }
    String recipient =
        channel == NotificationChannel.EMAIL
            ? Masking.email(contact.email())
            : Masking.phone(contact.mobile().orElse(null));
    try {
      String messageId =
          channel == NotificationChannel.EMAIL
              ? email.send(composer.email(trigger, contact))
              : sms.get().send(contact.mobile().get(), composer.sms(trigger));
      handled.add(key);
      if (outages.remove(channel) != null) {
        log.info("{} is available again", channel);
      }
      log.info("Sent {} {} to {}", trigger.topic(), channel, recipient);
      record(trigger, channel, contact.caseManagerId(), NotificationOutcome.SENT, null, messageId);
      return true;
    } catch (ChannelUnavailableException e) {
      int failures = outage == null ? 1 : outage.failures() + 1;
      Duration wait = properties.backoff().after(failures);
      outages.put(channel, new Outage(failures, now.plus(wait)));
      outageCounters
          .computeIfAbsent(channel, c -> meters.counter("notifier.outages", "channel", c.name()))
          .increment();
      log.warn(
          "{} unavailable (attempt {}), retrying in {}: {}",
          channel,
          failures,
          wait,
          e.getMessage());
      return false;
    } catch (RecipientRejectedException e) {
      handled.add(key);
      log.warn(
          "{} {} to {} failed for good: {}", trigger.topic(), channel, recipient, e.getMessage());
      record(
          trigger,
          channel,
          contact.caseManagerId(),
          NotificationOutcome.FAILED,
          e.getMessage(),
          null);
      deadLetter(trigger, channel, e);
      return true;
    }
  }

  /** Why this channel cannot be used for this case manager at all, or null. */
  private String missing(Contact contact, NotificationChannel channel) {
    if (channel == NotificationChannel.EMAIL) {
      return contact.email() == null || contact.email().isBlank() ? "no email address" : null;
    }
    if (contact.mobile().isEmpty()) {
      return "no mobile number";
    }
    return sms.isEmpty() ? "sms not configured" : null;
  }

  private boolean done(NotificationLog.Key key) {
    if (notified.isFinal(key.sourceEventId(), key.channel())) {
      handled.remove(key);
      return true;
    }
    return handled.contains(key);
  }

  private void record(
      Trigger trigger,
      NotificationChannel channel,
      String recipientId,
      NotificationOutcome outcome,
      String detail,
      String messageId) {
    notifications
        .computeIfAbsent(channel, c -> new EnumMap<>(NotificationOutcome.class))
        .computeIfAbsent(
            outcome,
            o ->
                meters.counter(
                    "notifier.notifications", "channel", channel.name(), "outcome", o.name()))
        .increment();
    NotificationRecorded recorded =
        NotificationRecorded.newBuilder()
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
    boolean keep = outcome != NotificationOutcome.DEFERRED;
    EventPublisher.Pending pending;
    try {
      pending = publisher.send(Topics.NOTIFICATIONS, trigger.referralId(), recorded);
    } catch (BrokerUnavailableException e) {
      if (keep) {
        unrecorded.put(key(trigger, channel), recorded);
      }
      throw e;
    }
    inFlight.add(new InFlight(key(trigger, channel), pending, keep));
    if (inFlight.size() >= properties.recordsInFlight()) {
      awaitRecords();
    }
  }

  /** The source event, as read, to its topic's dead-letter topic with why in the headers. */
  private void deadLetter(Trigger trigger, NotificationChannel channel, RuntimeException cause) {
    ProducerRecord<String, SpecificRecord> record =
        new ProducerRecord<>(
            trigger.sourceTopic().deadLetterTopic(), trigger.referralId(), trigger.source());
    record.headers().add("exchange-dlt-reason", bytes("notification-failed"));
    record.headers().add("exchange-dlt-channel", bytes(channel.name()));
    record.headers().add("exchange-dlt-cause", bytes(cause.getClass().getSimpleName()));
    record.headers().add("exchange-dlt-message", bytes(String.valueOf(cause.getMessage())));
    try {
      deadLetters.send(record).get(kafka.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
      meters.counter("notifier.dead_letters", "topic", trigger.sourceTopic().name()).increment();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      // The failure itself is recorded on the notifications topic; this is the operator's copy.
      log.error("Could not write the dead letter: {}", e.getClass().getSimpleName());
    }
  }

  private static NotificationLog.Key key(Trigger trigger, NotificationChannel channel) {
    return new NotificationLog.Key(trigger.sourceEventId(), channel);
  }

  static UUID eventId(
      UUID sourceEventId, NotificationChannel channel, NotificationOutcome outcome) {
    return UUID.nameUUIDFromBytes(
        (sourceEventId + "\u0000" + channel + "\u0000" + outcome).getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
