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
import org.referralexchange.policy.EventPlausibility;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.policy.ReturnDisclosure;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Every referral and its timeline, read from the submitted and status topics. The two topics are
 * read independently, so a status can arrive before its submission; it waits in {@code pending}
 * until then. Repeated events (redeliveries, this instance's own publishes) change nothing. A
 * provider's status reachable from the current one is a change (the lifecycle's rule), shown as one
 * entry with the statuses it skipped.
 */
@Component
class ReferralView implements EventView {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ReferralView.class);

  private final Map<String, ReferralRecord> byId = new HashMap<>();
  private final Map<String, List<TimelineEntry>> pending = new HashMap<>();

  /** The provider each pending status change names, checked once its submission is read. */
  private final Map<java.util.UUID, String> pendingProviders = new HashMap<>();

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

  /**
   * A status change read from the log must follow the referral's status as the status topic told it
   * (REQUESTED before any change) and name the provider the referral was submitted to.
   */
  @Override
  public synchronized PolicyDecision check(TopicSpec topic, String key, SpecificRecord event) {
    if (!(event instanceof ReferralStatusChanged changed)) {
      return PolicyDecision.allowed();
    }
    ReferralRecord known = byId.get(changed.getReferralId());
    List<TimelineEntry> waiting = pending.getOrDefault(changed.getReferralId(), List.of());
    if ((known != null && known.hasEvent(changed.getEventId()))
        || waiting.stream().anyMatch(e -> e.eventId().equals(changed.getEventId()))
        || changed.getStatus() == ReferralStatus.RECEIVED) {
      return PolicyDecision.allowed(); // a repeat, or an older record's RECEIVED, changes nothing
    }
    if (known != null) {
      PolicyDecision provider =
          EventPlausibility.sameProvider(known.providerId(), changed.getProviderId());
      if (!provider.isAllowed()) {
        return provider;
      }
    }
    ReferralStatus current =
        !waiting.isEmpty()
            ? waiting.get(waiting.size() - 1).status()
            : known != null ? known.status() : ReferralStatus.REQUESTED;
    return EventPlausibility.follows(current, changed);
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
            null,
            List.of());
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
            List.of(requested),
            !ReturnDisclosure.allowed(event.getConsent()));
    for (TimelineEntry waiting : pending.getOrDefault(event.getReferralId(), List.of())) {
      if (!record.providerId().equals(pendingProviders.remove(waiting.eventId()))) {
        // Read before its submission, so not checked against it then; impossible, so left out.
        log.warn("Left out a status change naming another provider ({})", waiting.status());
        continue;
      }
      record = record.hasEvent(waiting.eventId()) ? record : record.with(waiting);
    }
    pending.remove(event.getReferralId());
    byId.put(event.getReferralId(), record);
  }

  private void changed(ReferralStatusChanged event) {
    if (event.getStatus() == ReferralStatus.RECEIVED) {
      return; // an older record's RECEIVED reads as still requested: nothing to show
    }
    TimelineEntry entry =
        new TimelineEntry(
            event.getEventId(),
            event.getStatus(),
            event.getOccurredAt(),
            event.getReason(),
            event.getActor(),
            event.getProviderReference(),
            event.getOutcome(),
            event.getSkipped());
    ReferralRecord known = byId.get(event.getReferralId());
    if (known == null) {
      List<TimelineEntry> waiting =
          pending.computeIfAbsent(event.getReferralId(), id -> new ArrayList<>());
      if (waiting.stream().noneMatch(e -> e.eventId().equals(entry.eventId()))) {
        waiting.add(entry);
        pendingProviders.put(entry.eventId(), event.getProviderId());
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
