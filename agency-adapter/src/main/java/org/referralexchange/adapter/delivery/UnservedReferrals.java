package org.referralexchange.adapter.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.config.ProviderDirectory;
import org.referralexchange.adapter.directory.DirectoryPublisher;
import org.referralexchange.adapter.referral.ReferralState;
import org.referralexchange.adapter.referral.ReferralStateView;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.kafka.WorkOwnership;
import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Fails the referrals no adapter will deliver. {@link DeliveryWorker} leaves a referral alone when
 * its provider is not configured here; if the directory lists no adapter serving that provider
 * either, nothing would ever deliver it, so it fails here: {@code FAILED}, actor {@code EXCHANGE},
 * reason {@code provider-not-served}, a deterministic event id (once, however many instances or
 * restarts see it), counted in {@code adapter.referrals.unserved} by provider. The case manager
 * hears of it from the notifier. Only the instance owning the referral's partition acts.
 *
 * <p>A referral is judged only once it has waited {@code adapter.delivery.consent-wait} since it
 * was submitted: the directory and the referral live on different topics, which an instance may
 * read in either order, so an adapter that started (and listed its providers) just before the
 * referral was made may not be on this instance's directory yet. The same wait, for the same
 * reason, as a referral's wait for its consent.
 */
@Component
class UnservedReferrals {

  static final String REASON = "provider-not-served";

  private static final Logger log = LoggerFactory.getLogger(UnservedReferrals.class);

  private final ReferralStateView referrals;
  private final ProviderDirectory configured;
  private final ProviderDirectoryView directory;
  private final DirectoryPublisher directoryPublisher;
  private final EventLog eventLog;
  private final EventPublisher publisher;
  private final WorkOwnership ownership;
  private final java.time.Clock clock;
  private final MeterRegistry meters;
  private final java.time.Duration wait;

  /** Referrals to providers not served here, as they arrive; looked at on the next tick. */
  private final Queue<String> arrived = new ConcurrentLinkedQueue<>();

  /** Look at every undelivered referral: at start, when partitions or the directory change. */
  private final AtomicBoolean rescan = new AtomicBoolean(true);

  private long directorySeen = -1;

  UnservedReferrals(
      ReferralStateView referrals,
      ProviderDirectory configured,
      ProviderDirectoryView directory,
      DirectoryPublisher directoryPublisher,
      EventLog eventLog,
      EventPublisher publisher,
      WorkOwnership ownership,
      java.time.Clock clock,
      MeterRegistry meters,
      org.referralexchange.adapter.config.AdapterProperties properties) {
    this.referrals = referrals;
    this.configured = configured;
    this.directory = directory;
    this.directoryPublisher = directoryPublisher;
    this.eventLog = eventLog;
    this.publisher = publisher;
    this.ownership = ownership;
    this.clock = clock;
    this.meters = meters;
    this.wait = properties.delivery().consentWait();
    referrals.listen(
        new ReferralStateView.Listener() {
          @Override
          public void undelivered(ReferralState referral) {
            if (!enabledHere(referral.providerId())) {
              arrived.add(referral.referralId());
            }
          }
        });
    ownership.listen(
        new WorkOwnership.Listener() {
          @Override
          public void owned(Set<Integer> partitions) {
            rescan.set(true);
          }
        });
  }

  @Scheduled(fixedDelayString = "${adapter.tick-interval}")
  void tick() {
    if (!eventLog.caughtUp() || !directoryPublisher.published()) {
      return;
    }
    long version = directory.version();
    List<String> candidates;
    if (rescan.getAndSet(false) || version != directorySeen) {
      directorySeen = version;
      arrived.clear();
      candidates =
          referrals
              .find(
                  r ->
                      r.status() == ReferralStatus.REQUESTED
                          && !r.delivered()
                          && !enabledHere(r.providerId()))
              .stream()
              .map(ReferralState::referralId)
              .toList();
    } else {
      candidates = new java.util.ArrayList<>();
      for (String id; (id = arrived.poll()) != null; ) {
        candidates.add(id);
      }
    }
    List<String> tooRecent = new java.util.ArrayList<>();
    for (String referralId : candidates) {
      try {
        if (!failIfUnserved(referralId)) {
          tooRecent.add(referralId);
        }
      } catch (BrokerUnavailableException e) {
        rescan.set(true);
        log.warn("Could not fail an unserved referral yet: {}", e.getMessage());
        return;
      }
    }
    // Looked at again on a later tick, once their wait is over.
    arrived.addAll(tooRecent);
  }

  /** Returns false when the referral is still within its wait for the directory. */
  private boolean failIfUnserved(String referralId) {
    Optional<WorkOwnership.Claim> owned = ownership.claim(referralId);
    if (owned.isEmpty()) {
      return true; // another instance's partition, or a handover: the owner looks at it
    }
    try (WorkOwnership.Claim claim = owned.get()) {
      Optional<ReferralState> current = referrals.get(referralId);
      if (current.isEmpty()
          || current.get().status() != ReferralStatus.REQUESTED
          || current.get().delivered()) {
        return true;
      }
      if (clock.instant().isBefore(current.get().submitted().getOccurredAt().plus(wait))) {
        return false;
      }
      String providerId = current.get().providerId();
      ProviderCoverage coverage =
          ProviderCoverage.of(enabledHere(providerId), directory.find(providerId));
      if (coverage != ProviderCoverage.NOT_SERVED) {
        return true;
      }
      MDC.put("referralId", referralId);
      try {
        publisher.publish(
            Topics.REFERRAL_STATUS_CHANGED,
            referralId,
            ReferralStatusChanged.newBuilder()
                .setEventId(DeliveryWorker.uuid(REASON, referralId))
                .setOccurredAt(clock.instant())
                .setReferralId(referralId)
                .setProviderId(providerId)
                .setStatus(ReferralStatus.FAILED)
                .setReason(
                    Reason.newBuilder()
                        .setCode(REASON)
                        .setText("No adapter of the exchange delivers referrals to this provider.")
                        .build())
                .setActor(
                    Actor.newBuilder()
                        .setRole(ActorRole.EXCHANGE)
                        .setOrganizationId("exchange")
                        .build())
                .build());
        meters.counter("adapter.referrals.unserved", "provider", providerId).increment();
        log.warn("Failed a referral to {}: no adapter serves that provider", providerId);
      } finally {
        MDC.remove("referralId");
      }
      return true;
    }
  }

  private boolean enabledHere(String providerId) {
    return configured.provider(providerId).filter(AdapterProperties.Provider::enabled).isPresent();
  }
}
