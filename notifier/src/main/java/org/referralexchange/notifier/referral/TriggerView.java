package org.referralexchange.notifier.referral;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.kafka.EventView;
import org.referralexchange.notifier.config.NotifierProperties;
import org.referralexchange.policy.EventPlausibility;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * The status and overdue events that call for a notification and are not finished yet, in the order
 * they were read. Repeated events (same {@code eventId}) are ignored; the worker removes a trigger
 * once every channel has a final record.
 */
@Component
public class TriggerView implements EventView {

  private final NotificationRules rules;
  private final Clock clock;
  private final Map<UUID, Trigger> open = new LinkedHashMap<>();
  private final Set<UUID> seen = new HashSet<>();

  /** Each referral's status as the status topic told it so far. */
  private final Map<String, ReferralStatus> statuses = new java.util.HashMap<>();

  private final ContactView contacts;

  TriggerView(NotifierProperties properties, Clock clock, ContactView contacts) {
    this.rules = new NotificationRules(properties.notifyOn());
    this.clock = clock;
    this.contacts = contacts;
  }

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.REFERRAL_STATUS_CHANGED, Topics.REFERRAL_OVERDUE);
  }

  /**
   * A status change must follow the referral's status as the status topic told it (REQUESTED before
   * any change) and, once the submission was read, name its provider: otherwise it is refused, so
   * nobody is told of it. (One read before its submission is held back by the worker instead.)
   */
  @Override
  public synchronized PolicyDecision check(TopicSpec topic, String key, SpecificRecord event) {
    if (!(event instanceof ReferralStatusChanged changed) || seen.contains(changed.getEventId())) {
      return PolicyDecision.allowed();
    }
    PolicyDecision provider =
        contacts
            .get(changed.getReferralId())
            .map(c -> EventPlausibility.sameProvider(c.providerId(), changed.getProviderId()))
            .orElse(PolicyDecision.allowed());
    if (!provider.isAllowed()) {
      return provider;
    }
    return EventPlausibility.follows(
        statuses.getOrDefault(changed.getReferralId(), ReferralStatus.REQUESTED), changed);
  }

  @Override
  public synchronized void apply(TopicSpec topic, String key, SpecificRecord event) {
    boolean firstAnswer = false;
    if (event instanceof ReferralStatusChanged changed && !seen.contains(changed.getEventId())) {
      ReferralStatus before = statuses.put(changed.getReferralId(), changed.getStatus());
      firstAnswer = before == null || before == ReferralStatus.REQUESTED;
    }
    boolean first = firstAnswer;
    if (event instanceof ReferralStatusChanged changed && seen.add(changed.getEventId())) {
      rules
          .topicOf(changed)
          .ifPresent(
              code ->
                  open.put(
                      changed.getEventId(),
                      new Trigger(
                          changed.getEventId(),
                          changed.getReferralId(),
                          code,
                          changed.getProviderId(),
                          Optional.ofNullable(changed.getReason()).map(r -> r.getCode()),
                          Optional.ofNullable(changed.getReason()).map(r -> r.getText()),
                          Optional.ofNullable(changed.getOutcome()).map(TriggerView::outcome),
                          topic,
                          changed,
                          clock.instant(),
                          changed.getActor().getRole() == ActorRole.PROVIDER,
                          first)));
    } else if (event instanceof ReferralOverdue overdue && seen.add(overdue.getEventId())) {
      rules
          .topicOf(overdue)
          .ifPresent(
              code ->
                  open.put(
                      overdue.getEventId(),
                      new Trigger(
                          overdue.getEventId(),
                          overdue.getReferralId(),
                          code,
                          overdue.getProviderId(),
                          Optional.empty(),
                          Optional.empty(),
                          Optional.empty(),
                          topic,
                          overdue,
                          clock.instant(),
                          false,
                          false)));
    }
  }

  private static Trigger.Outcome outcome(org.referralexchange.events.v1.Outcome o) {
    return new Trigger.Outcome(
        o.getDelivered(),
        Optional.ofNullable(o.getUnits()),
        Optional.ofNullable(o.getUnitName()),
        Optional.ofNullable(o.getCost()).map(c -> c.getAmount()),
        Optional.ofNullable(o.getCost()).map(c -> c.getCurrency()));
  }

  /**
   * The provider already answered this referral, or it ended otherwise, as the status topic told it
   * so far: a reminder that it "has not answered yet" would be stale.
   */
  public synchronized boolean answered(String referralId) {
    ReferralStatus status = statuses.get(referralId);
    return status != null && status != ReferralStatus.REQUESTED;
  }

  /** The open triggers, oldest first. */
  public synchronized List<Trigger> open() {
    return new ArrayList<>(open.values());
  }

  /** Every channel of this trigger has a final record: forget it. */
  public synchronized void finished(UUID sourceEventId) {
    open.remove(sourceEventId);
  }
}
