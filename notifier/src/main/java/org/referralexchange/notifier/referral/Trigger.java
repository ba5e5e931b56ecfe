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
 * @param providerAnswer whether the provider set the status (what a Part 2 consent may withhold)
 * @param firstAnswer whether it is the provider's first answer (the referral was still requested)
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
    Instant firstSeen,
    boolean providerAnswer,
    boolean firstAnswer) {

  /** What the topic of a Part 2 provider's first answer is when the consent withholds it. */
  public static final String ANSWERED = "answered";

  /**
   * This trigger as the case manager may hear of it when the consent withholds a Part 2 provider's
   * answers (42 CFR 2.31, 2.32): the first answer says only that the provider answered; empty for a
   * later one, of which nothing is said.
   */
  public Optional<Trigger> withheld() {
    if (!providerAnswer) {
      return Optional.of(this);
    }
    if (!firstAnswer) {
      return Optional.empty();
    }
    return Optional.of(
        new Trigger(
            sourceEventId,
            referralId,
            ANSWERED,
            providerId,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            sourceTopic,
            source,
            firstSeen,
            true,
            true));
  }

  /** What the provider delivered and what it cost, as the completion reported it. */
  public record Outcome(
      String delivered,
      Optional<Double> units,
      Optional<String> unitName,
      Optional<BigDecimal> cost,
      Optional<String> currency) {}
}
