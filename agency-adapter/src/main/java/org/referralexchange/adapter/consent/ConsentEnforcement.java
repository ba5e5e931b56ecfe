package org.referralexchange.adapter.consent;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.referralexchange.adapter.referral.ConsentStateView;
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
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.policy.ReferralLifecycle;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Cancels, as the exchange, every open referral whose consent no longer stands ({@link
 * ConsentEnd}): at once for a consent read as revoked or ended by its event, and by a sweep for
 * consents that expired by date and for anything a crash or a handover left open. The cancellation
 * is an ordinary {@code ReferralStatusChanged}; the delivery worker then withdraws a delivered
 * referral at its provider with the reason, and never delivers an undelivered one.
 *
 * <p>Driven by the log, not by the request that recorded the revocation: a gateway that dies right
 * after publishing {@code ConsentRevoked} leaves nothing undone. Exactly once: only the instance
 * owning the referral's partition acts, under a claim; the event id derives from the reason and the
 * referral (the same id the delivery worker uses when its consent check refuses), so a replay, a
 * second instance during a handover or the delivery worker are one event to every consumer; and a
 * referral no longer open is left alone.
 */
@Component
class ConsentEnforcement {

  private static final Logger log = LoggerFactory.getLogger(ConsentEnforcement.class);

  private final ConsentStateView consents;
  private final ReferralStateView referrals;
  private final EventPublisher publisher;
  private final EventLog eventLog;
  private final WorkOwnership ownership;
  private final Clock clock;
  private final MeterRegistry meters;

  /** Consents read as revoked or ended by their event since the last pass. */
  private final Queue<String> ended = new ConcurrentLinkedQueue<>();

  /** A full sweep at the first pass after the log is read (what a crash left) and on a handover. */
  private final AtomicBoolean sweepDue = new AtomicBoolean(true);

  ConsentEnforcement(
      ConsentStateView consents,
      ReferralStateView referrals,
      EventPublisher publisher,
      EventLog eventLog,
      WorkOwnership ownership,
      Clock clock,
      MeterRegistry meters) {
    this.consents = consents;
    this.referrals = referrals;
    this.publisher = publisher;
    this.eventLog = eventLog;
    this.ownership = ownership;
    this.clock = clock;
    this.meters = meters;
    consents.onEnded(ended::add);
    ownership.listen(
        new WorkOwnership.Listener() {
          @Override
          public void owned(Set<Integer> partitions) {
            sweepDue.set(true);
          }
        });
  }

  /** Ends the referrals of the consents that ended since the last pass (or sweeps, when due). */
  @Scheduled(fixedDelayString = "${adapter.tick-interval}")
  synchronized void endReferralsOfEndedConsents() {
    if (!eventLog.caughtUp()) {
      return;
    }
    if (sweepDue.getAndSet(false)) {
      ended.clear();
      end(referrals.find(r -> ReferralLifecycle.isOpen(r.status())));
      return;
    }
    Set<String> consentIds = new HashSet<>();
    for (String id; (id = ended.poll()) != null; ) {
      consentIds.add(id);
    }
    if (!consentIds.isEmpty()) {
      end(
          referrals.find(
              r ->
                  ReferralLifecycle.isOpen(r.status())
                      && consentIds.contains(r.submitted().getConsent().getConsentId())));
    }
  }

  /** The sweep: consents expire by date without any event, so time itself is looked at. */
  @Scheduled(fixedDelayString = "${adapter.consent-sweep-interval:PT1M}")
  synchronized void sweep() {
    sweepDue.set(true);
    endReferralsOfEndedConsents();
  }

  private void end(List<ReferralState> open) {
    Instant now = clock.instant();
    for (ReferralState referral : open) {
      Optional<String> reason =
          consents
              .get(referral.submitted().getConsent().getConsentId())
              .flatMap(consent -> ConsentEnd.reasonAt(consent, now));
      if (reason.isPresent()) {
        try {
          cancel(referral.referralId(), reason.get());
        } catch (BrokerUnavailableException e) {
          // Still open in the view: the next sweep tries again.
          sweepDue.set(true);
          log.warn("Could not record a consent cancellation now: {}", e.getMessage());
          return;
        }
      }
    }
  }

  private void cancel(String referralId, String code) {
    Optional<WorkOwnership.Claim> claim = ownership.claim(referralId);
    if (claim.isEmpty()) {
      return; // another instance owns it and does the same
    }
    MDC.put("referralId", referralId);
    try (WorkOwnership.Claim held = claim.get()) {
      // Read again under the claim: the view may have moved on since the list was made.
      Optional<ReferralState> current = referrals.get(referralId);
      if (current.isEmpty() || !ReferralLifecycle.isOpen(current.get().status())) {
        return;
      }
      ReferralState referral = current.get();
      Reason reason = Reason.newBuilder().setCode(code).setText(ConsentEnd.text(code)).build();
      ReferralLifecycle.Change change =
          new ReferralLifecycle.Change(
              Optional.of(referral.status()), ReferralStatus.CANCELLED, ActorRole.EXCHANGE, true);
      if (ReferralLifecycle.check(change) instanceof PolicyDecision.Rejected refused) {
        log.warn("Consent cancellation refused by {}", refused.policy());
        return;
      }
      publisher.publish(
          Topics.REFERRAL_STATUS_CHANGED,
          referralId,
          ReferralStatusChanged.newBuilder()
              .setEventId(eventId(code, referralId))
              .setOccurredAt(clock.instant())
              .setReferralId(referralId)
              .setProviderId(referral.providerId())
              .setStatus(ReferralStatus.CANCELLED)
              .setReason(reason)
              .setActor(
                  Actor.newBuilder()
                      .setRole(ActorRole.EXCHANGE)
                      .setOrganizationId("exchange")
                      .build())
              .build());
      meters.counter("adapter.consent.cancellations", "reason", code).increment();
      log.info(
          "Cancelled a referral to {} ({}, {})",
          referral.providerId(),
          code,
          referral.delivered() ? "delivered: to withdraw" : "not delivered");
    } finally {
      MDC.remove("referralId");
    }
  }

  /** The same id as the delivery worker's for a consent refusal of this referral. */
  static UUID eventId(String code, String referralId) {
    return UUID.nameUUIDFromBytes((code + "\u0000" + referralId).getBytes(StandardCharsets.UTF_8));
  }
}
