package org.referralexchange.notifier.referral;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.schemas.TopicSpec;

/**
 * An event that calls for telling the case manager: a status change or an overdue reminder.
 *
 * @param topic what to say, as the code {@code NotificationRecorded.topic} carries
 * @param source the event as read (client data, if any, still sealed), for the dead-letter topic
 * @param firstSeen when this instance first read it, to bound the wait for its referral
 */
public record Trigger(
    UUID sourceEventId,
    String referralId,
    String topic,
    String providerId,
    Optional<String> reasonCode,
    Optional<String> reasonText,
    Optional<Outcome> outcome,
    TopicSpec sourceTopic,
    SpecificRecord source,
    Instant firstSeen) {

  /** What the provider delivered and what it cost, as the completion reported it. */
  public record Outcome(
      String delivered,
      Optional<Double> units,
      Optional<String> unitName,
      Optional<BigDecimal> cost,
      Optional<String> currency) {}
}
