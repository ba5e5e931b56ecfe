package org.referralexchange.notifier.notification;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * What was already notified, from the {@code notifications} topic: the deduplication state that
 * survives restarts. SENT, FAILED and SKIPPED are final; DEFERRED waits for the quiet hours to end
 * and is replaced by the final record that follows it.
 */
@Component
class NotificationLog implements EventView {

  private final Map<Key, NotificationOutcome> outcomes = new ConcurrentHashMap<>();

  /** One notification: a source event on one channel. */
  record Key(UUID sourceEventId, NotificationChannel channel) {}

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.NOTIFICATIONS);
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof NotificationRecorded recorded) {
      outcomes.merge(
          new Key(recorded.getSourceEventId(), recorded.getChannel()),
          recorded.getOutcome(),
          (before, now) -> isFinal(before) ? before : now);
    }
  }

  Optional<NotificationOutcome> outcome(UUID sourceEventId, NotificationChannel channel) {
    return Optional.ofNullable(outcomes.get(new Key(sourceEventId, channel)));
  }

  boolean isFinal(UUID sourceEventId, NotificationChannel channel) {
    return outcome(sourceEventId, channel).map(NotificationLog::isFinal).orElse(false);
  }

  static boolean isFinal(NotificationOutcome outcome) {
    return outcome != NotificationOutcome.DEFERRED;
  }
}
