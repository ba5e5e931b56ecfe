package org.referralexchange.notifier.notification;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.kafka.streams.EventSerdes;
import org.referralexchange.schemas.Topics;

/**
 * The notifier's one sub-topology: the co-partitioned referral topics (submissions, status changes,
 * overdue events) and {@code notifications} into {@link NotificationProcessor}, one task per
 * partition and so one thread per referral key, with its RocksDB stores (each with a changelog);
 * out to {@code notifier.sends} (commands), {@code notifications} (what it recorded itself) and
 * {@code <topic>-dlt} (records it refused). Built on the Processor API: the processor forwards to
 * one named sink per output.
 */
final class NotifierTopology {

  static final String SOURCE = "referral-events";
  static final String PROCESSOR = "notifier";

  private NotifierTopology() {}

  /** Adds the sub-topology to {@code topology}; {@code processors} makes one processor per task. */
  static void build(
      Topology topology,
      EventSerdes serdes,
      ProcessorSupplier<String, SpecificRecord, String, SpecificRecord> processors) {
    Serde<String> keys = EventSerdes.keys();
    Serde<SpecificRecord> events = serdes.events();
    topology.addSource(
        SOURCE,
        keys.deserializer(),
        events.deserializer(),
        Topics.REFERRAL_SUBMITTED.name(),
        Topics.REFERRAL_STATUS_CHANGED.name(),
        Topics.REFERRAL_OVERDUE.name(),
        Topics.NOTIFICATIONS.name());
    topology.addProcessor(PROCESSOR, processors, SOURCE);
    topology.addStateStore(
        store(NotificationProcessor.CONTACTS, serdes.stored(ReferralSubmitted.class)), PROCESSOR);
    topology.addStateStore(
        store(NotificationProcessor.STATUSES, serdes.stored(ReferralStatusChanged.class)),
        PROCESSOR);
    topology.addStateStore(store(NotificationProcessor.SEEN, Serdes.Long()), PROCESSOR);
    topology.addStateStore(
        store(NotificationProcessor.WAITING_STATUSES, serdes.stored(ReferralStatusChanged.class)),
        PROCESSOR);
    topology.addStateStore(
        store(NotificationProcessor.WAITING_OVERDUE, serdes.stored(ReferralOverdue.class)),
        PROCESSOR);
    topology.addStateStore(
        store(NotificationProcessor.TOLD, serdes.stored(NotificationRecorded.class)), PROCESSOR);
    topology.addStateStore(
        store(NotificationProcessor.PENDING, serdes.stored(NotificationRequested.class)),
        PROCESSOR);
    topology.addStateStore(
        store(NotificationProcessor.DEFERRED, serdes.stored(NotificationRequested.class)),
        PROCESSOR);
    topology.addSink(
        NotificationProcessor.TO_SENDERS,
        Topics.NOTIFIER_SENDS.name(),
        keys.serializer(),
        events.serializer(),
        PROCESSOR);
    topology.addSink(
        NotificationProcessor.TO_NOTIFICATIONS,
        Topics.NOTIFICATIONS.name(),
        keys.serializer(),
        events.serializer(),
        PROCESSOR);
    // A refused record goes to the dead-letter topic of the topic it was read from.
    topology.addSink(
        NotificationProcessor.TO_DEAD_LETTERS,
        (key, value, context) -> context.topic() + Topics.DEAD_LETTER_SUFFIX,
        keys.serializer(),
        asOnItsTopic(events.serializer()),
        PROCESSOR);
  }

  private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> values) {
    return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(name), EventSerdes.keys(), values)
        .withCachingEnabled();
  }

  /**
   * Writes a dead letter as the services write the original to its own topic (that topic's latest
   * schema): the dead-letter topic has no schema of its own.
   */
  private static Serializer<SpecificRecord> asOnItsTopic(Serializer<SpecificRecord> events) {
    return (topic, value) ->
        events.serialize(
            topic.endsWith(Topics.DEAD_LETTER_SUFFIX)
                ? topic.substring(0, topic.length() - Topics.DEAD_LETTER_SUFFIX.length())
                : topic,
            value);
  }
}
