package org.referralexchange.notifier.notification;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.referralexchange.events.v1.Money;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.kafka.streams.DeadLetters;
import org.referralexchange.notifier.config.NotifierProperties;
import org.referralexchange.notifier.config.QuietHours;
import org.referralexchange.notifier.referral.Contact;
import org.referralexchange.notifier.referral.NotificationRules;
import org.referralexchange.notifier.referral.Trigger;
import org.referralexchange.policy.EventPlausibility;
import org.referralexchange.policy.PolicyDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Decides, one referral key at a time, whom to tell what: reads the submissions (the contact), the
 * status and overdue events (the triggers, by {@link NotificationRules}) and the {@code
 * notifications} topic (what was told), and for each wanted channel not yet told forwards a {@link
 * NotificationRequested} to the senders, marking it pending in the same transaction
 * (exactly_once_v2), so a restart or a rebalance never issues a command twice. What needs no sender
 * (SKIPPED: no address, unknown referral, a stale reminder, a withheld Part 2 answer) it records
 * itself.
 *
 * <p>A trigger read before its referral waits in a store; a wall-clock punctuator records it
 * SKIPPED {@code unknown referral} after {@code notifier.wait-for-referral}. An SMS the sender
 * deferred for quiet hours waits in a store ordered by when the window ends, and the same
 * punctuator issues it again then. "Now" is the {@code Clock} bean (tests move it).
 */
class NotificationProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

  static final String CONTACTS = "notifier-contacts";
  static final String STATUSES = "notifier-statuses";
  static final String SEEN = "notifier-seen";
  static final String WAITING_STATUSES = "notifier-waiting-statuses";
  static final String WAITING_OVERDUE = "notifier-waiting-overdue";
  static final String TOLD = "notifier-told";
  static final String PENDING = "notifier-pending";
  static final String DEFERRED = "notifier-deferred";

  static final String TO_SENDERS = "sends";

  /** Header of a command: the application id of the notifier that issued it. */
  static final String ISSUED_BY = "exchange-issued-by";

  static final String TO_NOTIFICATIONS = "notifications";
  static final String TO_DEAD_LETTERS = "dead-letters";

  private static final Logger log = LoggerFactory.getLogger(NotificationProcessor.class);
  private static final List<NotificationChannel> CHANNELS =
      List.of(NotificationChannel.EMAIL, NotificationChannel.SMS);

  private final NotificationRules rules;
  private final NotifierProperties properties;
  private final QuietHours quietHours;
  private final boolean smsConfigured;
  private final Clock clock;
  private final NotificationCounts counts;
  private final DeadLetters deadLetters;
  private final RecordedProgress progress;

  /** The source topics whose refused records this application dead-letters; others it skips. */
  private final Set<String> deadLetterTopics;

  /**
   * Whether this task has processed what was already told when it started: until it has, triggers
   * wait (see {@link RecordedProgress}).
   */
  private boolean caughtUp;

  /** When this task started; a record stamped later means the history before it was processed. */
  private long startedAt;

  /** The end of this task's {@code notifications} partition when it started, once known. */
  private OptionalLong toldEnd = OptionalLong.empty();

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, ReferralSubmitted> contacts;
  private KeyValueStore<String, ReferralStatusChanged> statuses;
  private KeyValueStore<String, Long> seen;
  private KeyValueStore<String, ReferralStatusChanged> waitingStatuses;
  private KeyValueStore<String, ReferralOverdue> waitingOverdue;
  private KeyValueStore<String, NotificationRecorded> told;
  private KeyValueStore<String, NotificationRequested> pending;
  private KeyValueStore<String, NotificationRequested> deferred;

  NotificationProcessor(
      NotifierProperties properties,
      boolean smsConfigured,
      Clock clock,
      NotificationCounts counts,
      MeterRegistry meters,
      RecordedProgress progress,
      Set<String> deadLetterTopics) {
    this.progress = progress;
    this.deadLetterTopics = deadLetterTopics;
    this.rules = new NotificationRules(properties.notifyOn());
    this.properties = properties;
    this.quietHours = properties.quietHours();
    this.smsConfigured = smsConfigured;
    this.clock = clock;
    this.counts = counts;
    this.deadLetters = new DeadLetters(meters);
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    contacts = context.getStateStore(CONTACTS);
    statuses = context.getStateStore(STATUSES);
    seen = context.getStateStore(SEEN);
    waitingStatuses = context.getStateStore(WAITING_STATUSES);
    waitingOverdue = context.getStateStore(WAITING_OVERDUE);
    told = context.getStateStore(TOLD);
    pending = context.getStateStore(PENDING);
    deferred = context.getStateStore(DEFERRED);
    startedAt = System.currentTimeMillis(); // the real time: record stamps are real too
    context.schedule(properties.tickInterval(), PunctuationType.WALL_CLOCK_TIME, now -> tick());
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    // Kafka Streams takes the oldest record of the task's partitions first, and waits to fetch
    // what the broker holds for any of them: a record stamped after this task started comes after
    // every older record of its notifications partition.
    caughtUp = caughtUp || record.timestamp() >= startedAt;
    SpecificRecord event = record.value();
    if (event == null) {
      return;
    }
    MDC.put("referralId", record.key());
    try {
      PolicyDecision plausible = EventPlausibility.check(record.key(), event, Instant.now());
      if (plausible instanceof PolicyDecision.Rejected refused) {
        refuse(record, refused);
      } else if (event instanceof ReferralSubmitted submitted) {
        submitted(submitted);
      } else if (event instanceof ReferralStatusChanged changed) {
        statusChanged(record, changed);
      } else if (event instanceof ReferralOverdue overdue) {
        overdue(overdue);
      } else if (event instanceof NotificationRecorded recorded) {
        recorded(recorded);
      }
    } finally {
      MDC.remove("referralId");
    }
  }

  // --- what is read ----------------------------------------------------------------------

  private void submitted(ReferralSubmitted submitted) {
    String referralId = submitted.getReferralId();
    if (contacts.get(referralId) != null) {
      return; // the first submission names the contact, as before
    }
    contacts.put(referralId, submitted);
    if (!caughtUp) {
      return; // its waiting triggers are decided at the first tick after catching up
    }
    Contact contact = Contact.of(submitted);
    // Triggers read before it, oldest first (their keys start with when they were read).
    for (KeyValue<String, ReferralStatusChanged> waiting : prefix(waitingStatuses, referralId)) {
      WaitingKey key = WaitingKey.parse(waiting.key);
      waitingStatuses.delete(waiting.key);
      rules
          .topicOf(waiting.value)
          .ifPresent(
              code ->
                  work(
                      Trigger.of(waiting.value, code, key.firstSeen(), key.firstAnswer()),
                      contact,
                      key.offset()));
    }
    for (KeyValue<String, ReferralOverdue> waiting : prefix(waitingOverdue, referralId)) {
      WaitingKey key = WaitingKey.parse(waiting.key);
      waitingOverdue.delete(waiting.key);
      rules
          .topicOf(waiting.value)
          .ifPresent(
              code ->
                  work(Trigger.of(waiting.value, code, key.firstSeen()), contact, key.offset()));
    }
  }

  /**
   * A status change must follow the referral's status as the status topic told it (REQUESTED before
   * any change) and, once the submission was read, name its provider: otherwise it is refused and
   * dead-lettered once, and nobody is told of it.
   */
  private void statusChanged(Record<String, SpecificRecord> record, ReferralStatusChanged changed) {
    String eventId = changed.getEventId().toString();
    if (seen.get(eventId) != null) {
      return; // a repeated event
    }
    String referralId = changed.getReferralId();
    Optional<Contact> contact = contact(referralId);
    ReferralStatusChanged before = statuses.get(referralId);
    PolicyDecision decision =
        contact
            .map(c -> EventPlausibility.sameProvider(c.providerId(), changed.getProviderId()))
            .orElse(PolicyDecision.allowed());
    if (decision.isAllowed()) {
      decision =
          EventPlausibility.follows(
              before == null ? ReferralStatus.REQUESTED : before.getStatus(), changed);
    }
    if (decision instanceof PolicyDecision.Rejected refused) {
      refuse(record, refused);
      return;
    }
    seen.put(eventId, context.currentSystemTimeMs());
    statuses.put(referralId, changed);
    boolean firstAnswer = before == null || before.getStatus() == ReferralStatus.REQUESTED;
    Optional<String> code = rules.topicOf(changed);
    if (code.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
    if (contact.isEmpty() || !caughtUp) {
      waitingStatuses.put(
          new WaitingKey(referralId, now, firstAnswer, offset, changed.getEventId()).encode(),
          changed);
      return;
    }
    work(Trigger.of(changed, code.get(), now, firstAnswer), contact.get(), offset);
  }

  private void overdue(ReferralOverdue overdue) {
    String eventId = overdue.getEventId().toString();
    if (seen.get(eventId) != null) {
      return;
    }
    seen.put(eventId, context.currentSystemTimeMs());
    Optional<String> code = rules.topicOf(overdue);
    if (code.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
    Optional<Contact> contact = contact(overdue.getReferralId());
    if (contact.isEmpty() || !caughtUp) {
      waitingOverdue.put(
          new WaitingKey(overdue.getReferralId(), now, false, offset, overdue.getEventId())
              .encode(),
          overdue);
      return;
    }
    work(Trigger.of(overdue, code.get(), now), contact.get(), offset);
  }

  /**
   * A record of what was told. SENT, FAILED and SKIPPED are final and end the pending command;
   * DEFERRED (the sender found the case manager's quiet hours) parks the command until they end.
   */
  private void recorded(NotificationRecorded recorded) {
    String key = toldKey(recorded.getSourceEventId(), recorded.getChannel());
    NotificationRecorded before = told.get(key);
    if (before != null && isFinal(before.getOutcome())) {
      return;
    }
    told.put(key, recorded);
    NotificationRequested command = pending.get(key);
    if (isFinal(recorded.getOutcome())) {
      pending.delete(key);
      return;
    }
    if (command != null) {
      Instant now = clock.instant();
      Instant opens = quietHours.endsAfter(now, Contact.of(command).zone()).orElse(now);
      deferred.put(deferredKey(opens, key), command);
    }
  }

  // --- deciding -----------------------------------------------------------------------------

  /** Decides a trigger whose contact is known; {@code offset} is the source event's. */
  private void work(Trigger trigger, Contact contact, long offset) {
    if (!contact.providerId().equals(trigger.providerId())) {
      // Read before its submission, so not checked against it then: impossible, nobody is told.
      log.warn("{} names another provider than the submission; not notified", trigger.topic());
      return;
    }
    if (NotificationRules.OVERDUE_REMINDER.equals(trigger.topic())
        && answered(trigger.referralId())) {
      for (NotificationChannel channel : CHANNELS) {
        skipped(trigger, contact, channel, "answered before the reminder");
      }
      return;
    }
    Optional<Trigger> toTell =
        contact.answersWithheld() ? trigger.withheld() : Optional.of(trigger);
    for (NotificationChannel channel : CHANNELS) {
      if (toTell.isEmpty()) {
        skipped(trigger, contact, channel, "part 2 answer withheld");
      } else {
        due(toTell.get(), contact, channel, offset);
      }
    }
  }

  /** Issues the command for one channel, or records why there is none. */
  private void due(Trigger trigger, Contact contact, NotificationChannel channel, long offset) {
    String key = toldKey(trigger.sourceEventId(), channel);
    if (!contact.channels().contains(channel) || isTold(key) || pending.get(key) != null) {
      return;
    }
    String missing = missing(contact, channel);
    if (missing != null) {
      log.warn("{} {} skipped: {}", trigger.topic(), channel, missing);
      record(trigger, channel, contact.caseManagerId(), missing);
      return;
    }
    NotificationRequested command = command(trigger, contact, channel, offset);
    pending.put(key, command);
    issue(command);
  }

  /** Records once, on a channel the case manager wants, that nothing is sent and why. */
  private void skipped(
      Trigger trigger, Contact contact, NotificationChannel channel, String because) {
    if (contact.channels().contains(channel)
        && !isTold(toldKey(trigger.sourceEventId(), channel))) {
      record(trigger, channel, contact.caseManagerId(), because);
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
    return smsConfigured ? null : "sms not configured";
  }

  /**
   * The provider already answered this referral, or it ended otherwise, as the status topic told it
   * so far: a reminder that it "has not answered yet" would be stale.
   */
  private boolean answered(String referralId) {
    ReferralStatusChanged last = statuses.get(referralId);
    return last != null && last.getStatus() != ReferralStatus.REQUESTED;
  }

  // --- the clock ----------------------------------------------------------------------------

  /**
   * Ends the waits that are over: triggers kept until this task had read what was already told,
   * triggers whose referral came or never came, quiet hours that ended.
   */
  private void tick() {
    Instant now = clock.instant();
    if (!caughtUp) {
      // No newer record came: ask the broker whether the group processed what was there.
      if (toldEnd.isEmpty()) {
        toldEnd = progress.end(context.taskId().partition());
      }
      caughtUp =
          toldEnd.isPresent()
              && progress.reached(
                  context.applicationId(), context.taskId().partition(), toldEnd.getAsLong());
    }
    if (caughtUp) {
      releaseWaiting(waitingStatuses, now);
      releaseWaiting(waitingOverdue, now);
    }
    List<KeyValue<String, NotificationRequested>> due = new ArrayList<>();
    try (KeyValueIterator<String, NotificationRequested> it =
        deferred.range("", deferredKey(now, "\uffff"))) {
      it.forEachRemaining(due::add);
    }
    for (KeyValue<String, NotificationRequested> entry : due) {
      deferred.delete(entry.key);
      NotificationRequested command = entry.value;
      MDC.put("referralId", command.getReferralId());
      try {
        if (NotificationRules.OVERDUE_REMINDER.equals(command.getTopic())
            && answered(command.getReferralId())) {
          // The answer was read while the reminder waited for the quiet hours to end.
          pending.delete(toldKey(command.getSourceEventId(), command.getChannel()));
          record(
              Trigger.of(command),
              command.getChannel(),
              command.getCaseManagerId(),
              "answered before the reminder");
          continue;
        }
        NotificationRequested again =
            NotificationRequested.newBuilder(command)
                .setEventId(commandId(command.getSourceEventId(), command.getChannel(), now))
                .setOccurredAt(now)
                .build();
        pending.put(toldKey(command.getSourceEventId(), command.getChannel()), again);
        issue(again);
      } finally {
        MDC.remove("referralId");
      }
    }
  }

  /**
   * Decides the waiting triggers whose referral is known now, and records SKIPPED {@code unknown
   * referral} for those that waited {@code notifier.wait-for-referral} in vain.
   */
  private <T extends SpecificRecord> void releaseWaiting(
      KeyValueStore<String, T> store, Instant now) {
    List<KeyValue<String, T>> waiting = new ArrayList<>();
    try (KeyValueIterator<String, T> it = store.all()) {
      it.forEachRemaining(waiting::add);
    }
    for (KeyValue<String, T> entry : waiting) {
      WaitingKey key = WaitingKey.parse(entry.key);
      Optional<Contact> contact = contact(key.referralId());
      boolean expired = !now.isBefore(key.firstSeen().plus(properties.waitForReferral()));
      if (contact.isEmpty() && !expired) {
        continue;
      }
      store.delete(entry.key);
      Optional<String> code =
          entry.value instanceof ReferralStatusChanged changed
              ? rules.topicOf(changed)
              : rules.topicOf((ReferralOverdue) entry.value);
      Trigger trigger =
          entry.value instanceof ReferralStatusChanged changed
              ? Trigger.of(changed, code.orElse(""), key.firstSeen(), key.firstAnswer())
              : Trigger.of((ReferralOverdue) entry.value, code.orElse(""), key.firstSeen());
      MDC.put("referralId", key.referralId());
      try {
        if (contact.isPresent()) {
          work(trigger, contact.get(), key.offset());
        } else if (!isTold(toldKey(key.eventId(), NotificationChannel.EMAIL))) {
          log.warn(
              "No submission seen for this referral within {}; {} notification skipped",
              properties.waitForReferral(),
              trigger.topic());
          record(trigger, NotificationChannel.EMAIL, "unknown", "unknown referral");
        }
      } finally {
        MDC.remove("referralId");
      }
    }
  }

  // --- what is written ------------------------------------------------------------------------

  /**
   * To the senders, with the application that issued it in a header: the senders of another
   * notifier application on the same broker (a new application id, a test) leave it alone.
   */
  private void issue(NotificationRequested command) {
    Headers headers = new RecordHeaders();
    headers.add(ISSUED_BY, context.applicationId().getBytes(StandardCharsets.UTF_8));
    context.forward(
        new Record<String, SpecificRecord>(
            command.getReferralId(), command, context.currentSystemTimeMs(), headers),
        TO_SENDERS);
  }

  /** Records SKIPPED, in this transaction, and remembers it as told. */
  private void record(
      Trigger trigger, NotificationChannel channel, String recipientId, String detail) {
    NotificationRecorded recorded =
        NotificationRecords.recorded(
            trigger, channel, recipientId, NotificationOutcome.SKIPPED, detail, null, clock);
    told.put(toldKey(trigger.sourceEventId(), channel), recorded);
    counts.counted(channel, NotificationOutcome.SKIPPED);
    context.forward(
        new Record<String, SpecificRecord>(
            trigger.referralId(), recorded, context.currentSystemTimeMs()),
        TO_NOTIFICATIONS);
  }

  /** A record that cannot be true: to its dead-letter topic once, with why, and nothing told. */
  private void refuse(Record<String, SpecificRecord> record, PolicyDecision.Rejected refused) {
    RecordMetadata from = context.recordMetadata().orElseThrow();
    if (!deadLetterTopics.contains(from.topic())) {
      // Read by the adapter too, which owns the topic's dead letters: written once, by it.
      log.warn(
          "Refused a record of {}-{} at offset {}: {} ({}); skipped",
          from.topic(),
          from.partition(),
          from.offset(),
          refused.policy(),
          refused.reason());
      return;
    }
    DeadLetters.Why why = DeadLetters.Why.refused(refused.policy(), refused.reason());
    Headers headers = new RecordHeaders(record.headers().toArray());
    DeadLetters.headers(why, new TopicPartition(from.topic(), from.partition()), from.offset())
        .forEach(headers::add);
    log.warn("Refused a record of {}: {} ({})", from.topic(), refused.policy(), refused.reason());
    context.forward(record.withHeaders(headers), TO_DEAD_LETTERS);
    deadLetters.written(from.topic(), why);
  }

  private NotificationRequested command(
      Trigger trigger, Contact contact, NotificationChannel channel, long offset) {
    Instant now = clock.instant();
    return NotificationRequested.newBuilder()
        .setEventId(commandId(trigger.sourceEventId(), channel, now))
        .setOccurredAt(now)
        .setReferralId(trigger.referralId())
        .setSourceEventId(trigger.sourceEventId())
        .setSourceTopic(trigger.sourceTopic().name())
        .setSourcePartition(context.recordMetadata().map(RecordMetadata::partition).orElse(-1))
        .setSourceOffset(offset)
        .setChannel(channel)
        .setTopic(trigger.topic())
        .setProviderId(trigger.providerId())
        .setServiceId(contact.serviceId())
        .setServiceName(contact.serviceName().orElse(null))
        .setReasonCode(trigger.reasonCodeOnly().orElse(null))
        .setCost(
            trigger
                .outcome()
                .flatMap(
                    o ->
                        o.cost()
                            .map(
                                amount ->
                                    Money.newBuilder()
                                        .setAmount(amount)
                                        .setCurrency(o.currency().orElse("USD"))
                                        .build()))
                .orElse(null))
        .setCaseManagerId(contact.caseManagerId())
        .setCaseManagerName(contact.caseManagerName())
        .setEmail(channel == NotificationChannel.EMAIL ? contact.email() : null)
        .setMobile(channel == NotificationChannel.SMS ? contact.mobile().orElse(null) : null)
        .setTimeZone(contact.timeZone() == null ? "UTC" : contact.timeZone())
        .build();
  }

  private Optional<Contact> contact(String referralId) {
    return Optional.ofNullable(contacts.get(referralId)).map(Contact::of);
  }

  private boolean isTold(String key) {
    NotificationRecorded recorded = told.get(key);
    return recorded != null && isFinal(recorded.getOutcome());
  }

  static boolean isFinal(NotificationOutcome outcome) {
    return outcome != NotificationOutcome.DEFERRED;
  }

  static String toldKey(UUID sourceEventId, NotificationChannel channel) {
    return sourceEventId + "|" + channel.name();
  }

  /** Ordered by when the quiet hours end: zero-padded epoch millis first. */
  private static String deferredKey(Instant opens, String toldKey) {
    return String.format("%015d|%s", opens.toEpochMilli(), toldKey);
  }

  private static UUID commandId(UUID sourceEventId, NotificationChannel channel, Instant at) {
    return UUID.nameUUIDFromBytes(
        (sourceEventId + "\u0000" + channel + "\u0000due\u0000" + at.toEpochMilli())
            .getBytes(StandardCharsets.UTF_8));
  }

  private static <T> List<KeyValue<String, T>> prefix(
      KeyValueStore<String, T> store, String referralId) {
    List<KeyValue<String, T>> found = new ArrayList<>();
    try (KeyValueIterator<String, T> it =
        store.prefixScan(referralId + "|", new StringSerializer())) {
      it.forEachRemaining(found::add);
    }
    return found;
  }

  /**
   * A waiting trigger's key: its referral (so the submission finds it by prefix), when it was read
   * (so they come out oldest first and expire), its source offset (to dead-letter it as read) and
   * whether it was the provider's first answer when read.
   */
  record WaitingKey(
      String referralId, Instant firstSeen, boolean firstAnswer, long offset, UUID eventId) {

    String encode() {
      // Offsets padded so that triggers read in the same millisecond keep their order.
      return String.format(
          "%s|%015d|%019d|%s|%s",
          referralId, firstSeen.toEpochMilli(), offset, firstAnswer ? "1" : "0", eventId);
    }

    static WaitingKey parse(String key) {
      String[] parts = key.split("\\|");
      int n = parts.length;
      // A referral id could hold '|': the fixed fields are counted from the end.
      String referralId = String.join("|", java.util.Arrays.copyOfRange(parts, 0, n - 4));
      return new WaitingKey(
          referralId,
          Instant.ofEpochMilli(Long.parseLong(parts[n - 4])),
          "1".equals(parts[n - 2]),
          Long.parseLong(parts[n - 3]),
          UUID.fromString(parts[n - 1]));
    }
  }
}
