package org.referralexchange.notifier.notification;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationOutcome;
import org.springframework.stereotype.Component;

/**
 * {@code notifier.notifications{channel,outcome}} and {@code notifier.outages{channel}}, counted by
 * the processor (SKIPPED) and the senders (SENT, FAILED, DEFERRED) on their own threads.
 */
@Component
class NotificationCounts {

  private final MeterRegistry meters;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  NotificationCounts(MeterRegistry meters) {
    this.meters = meters;
  }

  void counted(NotificationChannel channel, NotificationOutcome outcome) {
    counters
        .computeIfAbsent(
            channel + "/" + outcome,
            k ->
                meters.counter(
                    "notifier.notifications", "channel", channel.name(), "outcome", outcome.name()))
        .increment();
  }

  void outage(NotificationChannel channel) {
    counters
        .computeIfAbsent(
            "outage/" + channel, k -> meters.counter("notifier.outages", "channel", channel.name()))
        .increment();
  }

  void deadLettered(String topic) {
    meters.counter("notifier.dead_letters", "topic", topic).increment();
  }
}
