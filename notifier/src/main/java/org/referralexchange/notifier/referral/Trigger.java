package org.referralexchange.notifier.referral;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;

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

  /**
   * The trigger of a status change the rules call {@code code}.
   *
   * @param firstAnswer whether the referral was still requested before it (as the status topic told
   *     it when the change was read)
   */
  public static Trigger of(
      ReferralStatusChanged changed, String code, Instant firstSeen, boolean firstAnswer) {
    return new Trigger(
        changed.getEventId(),
        changed.getReferralId(),
        code,
        changed.getProviderId(),
        Optional.ofNullable(changed.getReason()).map(r -> r.getCode()),
        Optional.ofNullable(changed.getReason()).map(r -> r.getText()),
        Optional.ofNullable(changed.getOutcome()).map(Trigger::outcome),
        Topics.REFERRAL_STATUS_CHANGED,
        changed,
        firstSeen,
        changed.getActor().getRole() == ActorRole.PROVIDER,
        firstAnswer);
  }

  /** The trigger of an overdue event the rules call {@code code}. */
  public static Trigger of(ReferralOverdue overdue, String code, Instant firstSeen) {
    return new Trigger(
        overdue.getEventId(),
        overdue.getReferralId(),
        code,
        overdue.getProviderId(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Topics.REFERRAL_OVERDUE,
        overdue,
        firstSeen,
        false,
        false);
  }

  /**
   * The trigger as a command carries it: codes only (the reason's text was coded {@code other} when
   * the command was made, and only the cost of an outcome travels), without the source event.
   */
  public static Trigger of(NotificationRequested due) {
    return new Trigger(
        due.getSourceEventId(),
        due.getReferralId(),
        due.getTopic(),
        due.getProviderId(),
        Optional.ofNullable(due.getReasonCode()),
        Optional.empty(),
        Optional.ofNullable(due.getCost())
            .map(
                c ->
                    new Outcome(
                        "",
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of(c.getAmount()),
                        Optional.of(c.getCurrency()))),
        Topics.byName(due.getSourceTopic()).orElse(null),
        null,
        due.getOccurredAt(),
        false,
        false);
  }

  /** The reason as a code only: a reason given as text alone (the provider's words) is "other". */
  public Optional<String> reasonCodeOnly() {
    return reasonCode.filter(code -> !code.isBlank()).or(() -> reasonText.map(text -> "other"));
  }

  private static Outcome outcome(org.referralexchange.events.v1.Outcome o) {
    return new Outcome(
        o.getDelivered(),
        Optional.ofNullable(o.getUnits()),
        Optional.ofNullable(o.getUnitName()),
        Optional.ofNullable(o.getCost()).map(c -> c.getAmount()),
        Optional.ofNullable(o.getCost()).map(c -> c.getCurrency()));
  }
}
