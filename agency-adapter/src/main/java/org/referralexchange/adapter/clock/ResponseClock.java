package org.referralexchange.adapter.clock;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
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
 */
@Component
public class ResponseClock {

  private static final Logger log = LoggerFactory.getLogger(ResponseClock.class);

  private final ReferralStateView referrals;
  private final ProviderDirectory providers;
  private final EventPublisher publisher;
  private final EventLog eventLog;
  private final Clock clock;
  private final MeterRegistry meters;

  ResponseClock(
      ReferralStateView referrals,
      ProviderDirectory providers,
      EventPublisher publisher,
      EventLog eventLog,
      Clock clock,
      MeterRegistry meters) {
    this.referrals = referrals;
    this.providers = providers;
    this.publisher = publisher;
    this.eventLog = eventLog;
    this.clock = clock;
    this.meters = meters;
  }

  @Scheduled(fixedDelayString = "${adapter.tick-interval}")
  public void tick() {
    if (!eventLog.caughtUp()) {
      return;
    }
    Instant now = clock.instant();
    java.util.List<ReferralState> awaiting = referrals.awaitingAnswer();
    for (ReferralState referral : awaiting) {
      providers.provider(referral.providerId()).ifPresent(p -> check(referral, p, now));
    }
    if (deadlines.size() > awaiting.size()) {
      // Answered or closed referrals no longer need their deadlines.
      deadlines
          .keySet()
          .retainAll(
              awaiting.stream()
                  .map(ReferralState::referralId)
                  .collect(java.util.stream.Collectors.toSet()));
    }
  }

  /** When a referral is due and when it returns; worked out once per referral, not per tick. */
  private record Deadlines(Instant due, Instant returnAt) {}

  private final java.util.Map<String, Deadlines> deadlines =
      new java.util.concurrent.ConcurrentHashMap<>();

  private Deadlines deadlines(ReferralState referral, AdapterProperties.Provider provider) {
    return deadlines.computeIfAbsent(
        referral.referralId(),
        id -> {
          BusinessHours hours =
              new BusinessHours(
                  provider.timeZone(),
                  provider.opensAt(),
                  provider.closesAt(),
                  provider.businessDays());
          Instant due = hours.nextOpen(referral.respondBy());
          return new Deadlines(due, hours.plus(due, provider.grace()));
        });
  }

  private void check(ReferralState referral, AdapterProperties.Provider provider, Instant now) {
    Deadlines when = deadlines(referral, provider);
    Instant due = when.due();
    Instant returnAt = when.returnAt();
    if (now.isBefore(due)) {
      return;
    }
    try {
      if (!now.isBefore(due) && !referral.overdue().contains(OverdueStage.REMINDER)) {
        remind(referral, provider, now);
      }
      if (!now.isBefore(returnAt) && !referral.overdue().contains(OverdueStage.RETURNED)) {
        returned(referral, now);
        deadlines.remove(referral.referralId());
      }
    } catch (RuntimeException e) {
      log.warn("Response clock could not act on {} now: {}", referral.referralId(), e.toString());
    }
  }

  private void remind(ReferralState referral, AdapterProperties.Provider provider, Instant now) {
    if (referral.delivered()) {
      providers
          .adapterFor(provider)
          .remind(
              provider.settings(),
              new TrackedReferral(referral.referralId(), referral.providerReference().get()),
              referral.respondBy());
    }
    publisher.publish(
        Topics.REFERRAL_OVERDUE,
        referral.referralId(),
        overdue(referral, OverdueStage.REMINDER, now));
    meters.counter("adapter.overdue", "stage", "REMINDER").increment();
  }

  private void returned(ReferralState referral, Instant now) {
    publisher.publish(
        Topics.REFERRAL_OVERDUE,
        referral.referralId(),
        overdue(referral, OverdueStage.RETURNED, now));
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

  private static ReferralOverdue overdue(ReferralState referral, OverdueStage stage, Instant now) {
    return ReferralOverdue.newBuilder()
        .setEventId(id(stage.name(), referral))
        .setOccurredAt(now)
        .setReferralId(referral.referralId())
        .setProviderId(referral.providerId())
        .setRespondBy(referral.respondBy())
        .setOverdueByMillis(Math.max(0, Duration.between(referral.respondBy(), now).toMillis()))
        .setStage(stage)
        .build();
  }

  private static UUID id(String what, ReferralState referral) {
    return UUID.nameUUIDFromBytes(
        (what + "\u0000" + referral.referralId()).getBytes(StandardCharsets.UTF_8));
  }
}
