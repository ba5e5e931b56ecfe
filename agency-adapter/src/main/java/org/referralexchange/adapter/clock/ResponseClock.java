package org.referralexchange.adapter.clock;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.config.ProviderDirectory;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.adapter.referral.ReferralState;
import org.referralexchange.adapter.referral.ReferralStateView;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.kafka.WorkOwnership;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps every provider's response clock. Its state is the log itself: a referral is waiting while
 * it has no status from its provider, and the overdue notices already given are events on {@code
 * referral.overdue}, so the clock survives restarts and an answer that arrives in time stops it.
 * Event ids derive from the referral and the stage, so a notice given twice (a restart between
 * publishing and reading it back, two adapter instances) is one notice to every consumer.
 *
 * <p>With several instances, each keeps the clock of the referrals whose partition it owns ({@link
 * WorkOwnership}); a referral whose turn comes while another instance owns it is dropped here, and
 * taken up again if this instance comes to own its partition.
 */
@Component
public class ResponseClock {

  private static final Logger log = LoggerFactory.getLogger(ResponseClock.class);

  private final ReferralStateView referrals;
  private final ProviderDirectory providers;
  private final EventPublisher publisher;
  private final EventLog eventLog;
  private final WorkOwnership ownership;
  private final Clock clock;
  private final MeterRegistry meters;

  /** Referrals whose clock started since the last tick: news from the view. */
  private final Queue<String> started = new ConcurrentLinkedQueue<>();

  /** Partitions this instance came to own since the last tick: their clocks are taken up. */
  private final Queue<Integer> taken = new ConcurrentLinkedQueue<>();

  /** When to look at each waiting referral next, earliest first. Only the tick touches it. */
  private final PriorityQueue<Due> due = new PriorityQueue<>(Comparator.comparing(Due::at));

  /** The referrals in {@link #due}, so one taken up again is not queued twice. */
  private final Set<String> queued = new HashSet<>();

  /** The next time to look at a referral, with its deadlines. */
  private record Due(Instant at, String referralId, ResponseDeadline deadlines) {}

  ResponseClock(
      ReferralStateView referrals,
      ProviderDirectory providers,
      EventPublisher publisher,
      EventLog eventLog,
      WorkOwnership ownership,
      Clock clock,
      MeterRegistry meters) {
    this.referrals = referrals;
    this.providers = providers;
    this.publisher = publisher;
    this.eventLog = eventLog;
    this.ownership = ownership;
    this.clock = clock;
    this.meters = meters;
    referrals.listen(
        new ReferralStateView.Listener() {
          @Override
          public void awaitingAnswer(ReferralState referral) {
            started.add(referral.referralId());
          }
        });
    ownership.listen(
        new WorkOwnership.Listener() {
          @Override
          public void owned(Set<Integer> partitions) {
            taken.addAll(partitions);
          }
        });
  }

  /**
   * Takes in the referrals whose clock started since the last tick, then acts on those whose next
   * deadline has come: a tick costs what is new and what is due, not every referral waiting. A
   * referral answered or closed meanwhile is dropped when its turn comes.
   */
  @Scheduled(fixedDelayString = "${adapter.tick-interval}")
  public void tick() {
    if (!eventLog.caughtUp()) {
      return;
    }
    takeUpOwnedClocks();
    for (String referralId; (referralId = started.poll()) != null; ) {
      String id = referralId;
      if (queued.contains(id)) {
        continue;
      }
      waiting(id)
          .ifPresent(
              referral ->
                  providers
                      .provider(referral.providerId())
                      .ifPresent(
                          provider -> {
                            // Worked out once per referral, not per tick.
                            ResponseDeadline when =
                                ResponseDeadline.of(referral.submitted(), provider);
                            due.add(new Due(when.due(), id, when));
                            queued.add(id);
                          }));
    }
    Instant now = clock.instant();
    // Looked at again from the next tick on, so a referral that keeps failing cannot spin here.
    List<Due> later = new ArrayList<>();
    while (!due.isEmpty() && !now.isBefore(due.peek().at())) {
      Due next = due.poll();
      queued.remove(next.referralId());
      Optional<WorkOwnership.Claim> claim = ownership.claim(next.referralId());
      if (claim.isEmpty()) {
        // Another instance keeps this clock (taken up again if this one comes to own it).
        continue;
      }
      try (WorkOwnership.Claim held = claim.get()) {
        Optional<ReferralState> referral = waiting(next.referralId());
        Optional<AdapterProperties.Provider> provider =
            referral.flatMap(r -> providers.provider(r.providerId()));
        if (provider.isPresent()) {
          check(referral.get(), provider.get(), next.deadlines(), now)
              .ifPresent(again -> later.add(new Due(again, next.referralId(), next.deadlines())));
        }
      }
    }
    for (Due again : later) {
      if (queued.add(again.referralId())) {
        due.add(again);
      }
    }
  }

  /** Queues again the waiting referrals of partitions this instance came to own. */
  private void takeUpOwnedClocks() {
    Set<Integer> partitions = new TreeSet<>();
    for (Integer p; (p = taken.poll()) != null; ) {
      partitions.add(p);
    }
    if (partitions.isEmpty()) {
      return;
    }
    for (ReferralState referral : referrals.awaitingAnswer()) {
      if (partitions.contains(ownership.partitionOf(referral.referralId()))
          && !queued.contains(referral.referralId())) {
        started.add(referral.referralId());
      }
    }
  }

  /** The referral while it still waits for its provider's answer. */
  private Optional<ReferralState> waiting(String referralId) {
    return referrals
        .get(referralId)
        .filter(r -> r.status() == ReferralStatus.REQUESTED && !r.providerAnswered());
  }

  /**
   * Reminds once the referral is due and returns it once its grace ran out; answers when to look at
   * it again, if ever. After a failure (provider or broker unavailable) that is the next tick.
   */
  private Optional<Instant> check(
      ReferralState referral,
      AdapterProperties.Provider provider,
      ResponseDeadline when,
      Instant now) {
    if (now.isBefore(when.due())) {
      return Optional.of(when.due());
    }
    try {
      if (!referral.overdue().contains(OverdueStage.REMINDER)) {
        remind(referral, provider, when, now);
      }
      if (referral.overdue().contains(OverdueStage.RETURNED)) {
        return Optional.empty();
      }
      if (!now.isBefore(when.returnAt())) {
        returned(referral, when, now);
        return Optional.empty();
      }
      return Optional.of(when.returnAt());
    } catch (RuntimeException e) {
      log.warn("Response clock could not act on {} now: {}", referral.referralId(), e.toString());
      return Optional.of(now);
    }
  }

  private void remind(
      ReferralState referral,
      AdapterProperties.Provider provider,
      ResponseDeadline when,
      Instant now) {
    if (referral.delivered()) {
      providers
          .adapterFor(provider)
          .remind(
              provider.settings(),
              new TrackedReferral(referral.referralId(), referral.providerReference().get()),
              when.respondBy());
    }
    publisher.publish(
        Topics.REFERRAL_OVERDUE,
        referral.referralId(),
        overdue(referral, when, OverdueStage.REMINDER, now));
    meters.counter("adapter.overdue", "stage", "REMINDER").increment();
  }

  private void returned(ReferralState referral, ResponseDeadline when, Instant now) {
    publisher.publish(
        Topics.REFERRAL_OVERDUE,
        referral.referralId(),
        overdue(referral, when, OverdueStage.RETURNED, now));
    publisher.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referral.referralId(),
        ReferralStatusChanged.newBuilder()
            .setEventId(id("no-response", referral))
            .setOccurredAt(now)
            .setReferralId(referral.referralId())
            .setProviderId(referral.providerId())
            .setStatus(ReferralStatus.FAILED)
            .setReason(
                Reason.newBuilder()
                    .setCode("no-response")
                    .setText(
                        "The provider did not answer in time; the referral is back with the case manager.")
                    .build())
            .setActor(
                Actor.newBuilder()
                    .setRole(ActorRole.EXCHANGE)
                    .setOrganizationId("exchange")
                    .build())
            .setProviderReference(referral.providerReference().orElse(null))
            .build());
    meters.counter("adapter.overdue", "stage", "RETURNED").increment();
  }

  private static ReferralOverdue overdue(
      ReferralState referral, ResponseDeadline when, OverdueStage stage, Instant now) {
    return ReferralOverdue.newBuilder()
        .setEventId(id(stage.name(), referral))
        .setOccurredAt(now)
        .setReferralId(referral.referralId())
        .setProviderId(referral.providerId())
        .setRespondBy(when.respondBy())
        .setOverdueByMillis(Math.max(0, Duration.between(when.respondBy(), now).toMillis()))
        .setStage(stage)
        .build();
  }

  private static UUID id(String what, ReferralState referral) {
    return UUID.nameUUIDFromBytes(
        (what + "\u0000" + referral.referralId()).getBytes(StandardCharsets.UTF_8));
  }
}
