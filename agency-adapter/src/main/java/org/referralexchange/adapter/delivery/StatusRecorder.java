package org.referralexchange.adapter.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.referralexchange.adapter.disclosure.Disclosures;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.webhook.ProviderStatusSink;
import org.referralexchange.adapter.referral.ReferralState;
import org.referralexchange.adapter.referral.ReferralStateView;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Money;
import org.referralexchange.events.v1.Outcome;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.policy.ReferralLifecycle;
import org.referralexchange.policy.ReferralLifecycle.Assessment;
import org.referralexchange.policy.ReferralLifecycle.ReportKind;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * Turns what a provider says (polled or called back) into a {@code ReferralStatusChanged}, after
 * the lifecycle has assessed it ({@link ReferralLifecycle#assess}): a status reachable from the
 * current one is recorded with the statuses it skipped; a repeat publishes nothing; a late callback
 * of a status the referral has passed is acknowledged and counted ({@code
 * adapter.status.superseded}), nothing recorded; an impossible one is refused and logged without
 * client data. Event ids derive from the referral, the status and when the provider set it, so the
 * same update seen twice (or by two adapter instances) is one event to every consumer.
 *
 * <p>Until the event log has been read to where it ended at start-up, nothing is judged: the state
 * is stale (after a restart, a referral delivered before the crash is not known yet), so an update
 * is answered "unavailable, retry" rather than refused. The HTTP server takes callbacks before
 * readiness; a refusal there once told a provider, for good, that its referral was unknown.
 */
@Component
public class StatusRecorder implements ProviderStatusSink {

  private static final Logger log = LoggerFactory.getLogger(StatusRecorder.class);

  private final ReferralStateView referrals;
  private final EventPublisher publisher;
  private final MeterRegistry meters;
  private final EventLog eventLog;
  private final Disclosures disclosures;

  /**
   * One referral's reports are judged and published one at a time: out-of-order callbacks come
   * close together, and two judged against the same stale status would both be recorded.
   */
  private final Object[] referralLocks = new Object[64];

  StatusRecorder(
      ReferralStateView referrals,
      EventPublisher publisher,
      MeterRegistry meters,
      EventLog eventLog,
      Disclosures disclosures) {
    this.referrals = referrals;
    this.publisher = publisher;
    this.meters = meters;
    this.eventLog = eventLog;
    this.disclosures = disclosures;
    java.util.Arrays.setAll(referralLocks, i -> new Object());
  }

  /** A webhook callback: a report of a change, which may arrive out of order. */
  @Override
  public void accept(ProviderSettings provider, ProviderStatusUpdate update) {
    record(provider, update, ReportKind.EVENT);
  }

  /**
   * Records what a provider reports, read as {@code kind} says: callbacks are {@link
   * ReportKind#EVENT events}, a polled record's status is a {@link ReportKind#STATE state}.
   *
   * @throws ProviderRejectedException the report is impossible for the referral (or it is unknown)
   * @throws ProviderUnavailableException it could not be judged or recorded now; retry
   */
  public void record(ProviderSettings provider, ProviderStatusUpdate update, ReportKind kind) {
    MDC.put("referralId", update.referralId());
    try {
      if (!eventLog.caughtUp()) {
        throw new ProviderUnavailableException(
            "The exchange is still reading its event log after a start; retry", null);
      }
      synchronized (lockFor(update.referralId())) {
        judgeAndRecord(provider, update, kind);
      }
    } catch (BrokerUnavailableException e) {
      throw new ProviderUnavailableException("The status could not be recorded now; retry", e);
    } finally {
      MDC.remove("referralId");
    }
  }

  private void judgeAndRecord(
      ProviderSettings provider, ProviderStatusUpdate update, ReportKind kind) {
    ReferralState state =
        referrals
            .get(update.referralId())
            .filter(r -> r.providerId().equals(provider.id()))
            .orElseThrow(
                () ->
                    refuse(
                        "unknown-referral",
                        "no referral " + update.referralId() + " was sent to this provider"));
    ReferralLifecycle.Change change =
        ReferralLifecycle.Change.of(
            Optional.of(state.status()),
            update.status(),
            ActorRole.PROVIDER,
            update.reasonCode(),
            update.reasonText());
    Assessment assessed = ReferralLifecycle.assess(change, kind);
    if (assessed instanceof Assessment.Duplicate) {
      return;
    }
    if (assessed instanceof Assessment.Superseded) {
      meters.counter("adapter.status.superseded", "provider", provider.id()).increment();
      log.info(
          "Acknowledged a late {} report from {}: the referral is already {}",
          update.status(),
          provider.id(),
          state.status());
      return;
    }
    if (assessed instanceof Assessment.Refused refused) {
      meters.counter("adapter.status.refused", "policy", refused.decision().policy()).increment();
      throw refuse(refused.decision().policy(), refused.decision().reason());
    }
    List<ReferralStatus> skipped = ((Assessment.Advanced) assessed).skipped();
    if (!state.delivered()) {
      // The delivery it proves was a disclosure too; accounted for once, like any delivery.
      awaitDisclosure(state, update);
      publisher.publish(
          Topics.REFERRAL_DELIVERED, update.referralId(), provenDelivery(provider, update, state));
    }
    ReferralStatusChanged event =
        ReferralStatusChanged.newBuilder()
            .setEventId(eventId(update))
            .setOccurredAt(update.occurredAt())
            .setReferralId(update.referralId())
            .setProviderId(provider.id())
            .setStatus(ReferralLifecycle.asRead(update.status()))
            .setSkipped(skipped)
            .setReason(ProviderReason.of(update.reasonCode(), update.reasonText()))
            .setActor(
                Actor.newBuilder()
                    .setRole(ActorRole.PROVIDER)
                    .setOrganizationId(provider.id())
                    .setUserId(update.actedBy())
                    .build())
            .setProviderReference(
                update.providerReference() != null
                    ? update.providerReference()
                    : state.providerReference().orElse(null))
            .setOutcome(outcome(update.outcome()))
            .build();
    publisher.publish(Topics.REFERRAL_STATUS_CHANGED, update.referralId(), event);
    meters.counter("adapter.status.recorded", "status", event.getStatus().name()).increment();
  }

  private void awaitDisclosure(ReferralState state, ProviderStatusUpdate update) {
    try {
      disclosures.delivered(state.submitted(), update.occurredAt()).join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof BrokerUnavailableException broker
          ? broker
          : new BrokerUnavailableException("The disclosure could not be recorded", e);
    }
  }

  private Object lockFor(String referralId) {
    return referralLocks[Math.floorMod(referralId.hashCode(), referralLocks.length)];
  }

  private static ProviderRejectedException refuse(String policy, String reason) {
    log.warn("Refused provider status update ({}): {}", policy, reason);
    return new StatusRefusedException(policy, reason);
  }

  /**
   * The delivery a provider's answer proves, for a referral this exchange never recorded as
   * delivered: the provider took it, but the adapter died (or its record was refused) before the
   * {@code ReferralDelivered} was acknowledged, and the provider answered before anyone delivered
   * it again. Without this record the log would never say it was delivered, and a later
   * cancellation would not be withdrawn at the provider. Its event id is the one the delivery
   * itself has, so where both are written every consumer counts one.
   */
  private ReferralDelivered provenDelivery(
      ProviderSettings provider, ProviderStatusUpdate update, ReferralState state) {
    log.info("Recording the delivery to {} that its answer proves", provider.id());
    return ReferralDelivered.newBuilder()
        .setEventId(DeliveryWorker.uuid("delivered", update.referralId()))
        .setOccurredAt(update.occurredAt())
        .setReferralId(update.referralId())
        .setProviderId(provider.id())
        .setProviderReference(
            update.providerReference() != null
                ? update.providerReference()
                : state.providerReference().orElse(update.referralId()))
        .setAttempts(1)
        .build();
  }

  static UUID eventId(ProviderStatusUpdate update) {
    return UUID.nameUUIDFromBytes(
        ("provider-status\u0000"
                + update.referralId()
                + "\u0000"
                + update.status()
                + "\u0000"
                + update.occurredAt().toEpochMilli())
            .getBytes(StandardCharsets.UTF_8));
  }

  private static Outcome outcome(ProviderStatusUpdate.Outcome outcome) {
    if (outcome == null) {
      return null;
    }
    return Outcome.newBuilder()
        .setDelivered(outcome.delivered() == null ? "" : outcome.delivered())
        .setUnits(outcome.units())
        .setUnitName(outcome.unitName())
        .setCost(
            outcome.costAmount() == null
                ? null
                : Money.newBuilder()
                    .setAmount(outcome.costAmount().setScale(2, java.math.RoundingMode.HALF_UP))
                    .setCurrency(outcome.costCurrency() == null ? "USD" : outcome.costCurrency())
                    .build())
        .build();
  }
}
