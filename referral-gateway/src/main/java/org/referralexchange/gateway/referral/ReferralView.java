package org.referralexchange.gateway.referral;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Every referral and its timeline, read from the submitted and status topics. The two topics are
 * read independently, so a status can arrive before its submission; it waits in {@code pending}
 * until then. Repeated events (redeliveries, this instance's own publishes) change nothing.
 */
@Component
class ReferralView implements EventView {

  private final Map<String, ReferralRecord> byId = new HashMap<>();
  private final Map<String, List<TimelineEntry>> pending = new HashMap<>();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.REFERRAL_SUBMITTED, Topics.REFERRAL_STATUS_CHANGED);
  }

  @Override
  public synchronized void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ReferralSubmitted submitted) {
      submitted(submitted);
    } else if (event instanceof ReferralStatusChanged changed) {
      changed(changed);
    }
  }

  private void submitted(ReferralSubmitted event) {
    if (byId.containsKey(event.getReferralId())) {
      return;
    }
    TimelineEntry requested =
        new TimelineEntry(
            event.getEventId(),
            ReferralStatus.REQUESTED,
            event.getOccurredAt(),
            null,
            Actor.newBuilder()
                .setRole(ActorRole.REQUESTER)
                .setOrganizationId(event.getReferrer().getAgencyId())
                .setUserId(event.getReferrer().getCaseManager().getId())
                .build(),
            null,
            null);
    ReferralRecord record =
        new ReferralRecord(
            event.getReferralId(),
            event.getReferrer().getAgencyId(),
            event.getReferrer().getCaseManager().getId(),
            event.getTarget().getProviderId(),
            event.getTarget().getServiceId(),
            event.getConsent().getConsentId(),
            event.getPriority(),
            event.getRespondBy(),
            event.getOccurredAt(),
            event.getRequestFingerprint(),
            List.of(requested));
    for (TimelineEntry waiting : pending.getOrDefault(event.getReferralId(), List.of())) {
      record = record.hasEvent(waiting.eventId()) ? record : record.with(waiting);
    }
    pending.remove(event.getReferralId());
    byId.put(event.getReferralId(), record);
  }

  private void changed(ReferralStatusChanged event) {
    TimelineEntry entry =
        new TimelineEntry(
            event.getEventId(),
            event.getStatus(),
            event.getOccurredAt(),
            event.getReason(),
            event.getActor(),
            event.getProviderReference(),
            event.getOutcome());
    ReferralRecord known = byId.get(event.getReferralId());
    if (known == null) {
      List<TimelineEntry> waiting =
          pending.computeIfAbsent(event.getReferralId(), id -> new ArrayList<>());
      if (waiting.stream().noneMatch(e -> e.eventId().equals(entry.eventId()))) {
        waiting.add(entry);
      }
      return;
    }
    if (!known.hasEvent(entry.eventId())) {
      byId.put(event.getReferralId(), known.with(entry));
    }
  }

  synchronized Optional<ReferralRecord> get(String referralId) {
    return Optional.ofNullable(byId.get(referralId));
  }

  /** Referrals matching {@code filter}, newest first. */
  synchronized List<ReferralRecord> find(Predicate<ReferralRecord> filter) {
    return byId.values().stream()
        .filter(filter)
        .sorted(Comparator.comparing(ReferralRecord::submittedAt).reversed())
        .toList();
  }

  /** Open referrals made under a consent. */
  synchronized List<ReferralRecord> openUnder(String consentId) {
    return byId.values().stream()
        .filter(r -> r.consentId().equals(consentId))
        .filter(r -> org.referralexchange.policy.ReferralLifecycle.isOpen(r.status()))
        .toList();
  }

  /** How many referrals the view holds (for tests and metrics). */
  synchronized int size() {
    return byId.size();
  }

  static boolean since(ReferralRecord record, Instant since) {
    return since == null || !record.submittedAt().isBefore(since);
  }
}
