package org.referralexchange.adapter.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
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
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.policy.ReferralLifecycle;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * Turns what a provider says (polled or called back) into a {@code ReferralStatusChanged}, after
 * checking the lifecycle: who may set what, allowed transitions, reasons. A repeated update
 * publishes nothing; an illegal one is refused and logged without client data. Event ids derive
 * from the referral, the status and when the provider set it, so the same update seen twice (or by
 * two adapter instances) is one event to every consumer.
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

  StatusRecorder(
      ReferralStateView referrals,
      EventPublisher publisher,
      MeterRegistry meters,
      EventLog eventLog) {
    this.referrals = referrals;
    this.publisher = publisher;
    this.meters = meters;
    this.eventLog = eventLog;
  }

  @Override
  public void accept(ProviderSettings provider, ProviderStatusUpdate update) {
    MDC.put("referralId", update.referralId());
    try {
      if (!eventLog.caughtUp()) {
        throw new ProviderUnavailableException(
            "The exchange is still reading its event log after a start; retry", null);
      }
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
          new ReferralLifecycle.Change(
              Optional.of(state.status()),
              update.status(),
              ActorRole.PROVIDER,
              update.reasonCode() != null);
      if (ReferralLifecycle.isDuplicate(change)) {
        return;
      }
      if (ReferralLifecycle.check(change) instanceof PolicyDecision.Rejected refused) {
        meters.counter("adapter.status.refused", "policy", refused.policy()).increment();
        throw refuse(refused.policy(), refused.reason());
      }
      if (!state.delivered()) {
        publisher.publish(
            Topics.REFERRAL_DELIVERED,
            update.referralId(),
            provenDelivery(provider, update, state));
      }
      ReferralStatusChanged event =
          ReferralStatusChanged.newBuilder()
              .setEventId(eventId(update))
              .setOccurredAt(update.occurredAt())
              .setReferralId(update.referralId())
              .setProviderId(provider.id())
              .setStatus(update.status())
              .setReason(
                  update.reasonCode() == null
                      ? null
                      : Reason.newBuilder()
                          .setCode(update.reasonCode())
                          .setText(update.reasonText())
                          .build())
              .setActor(
                  Actor.newBuilder()
                      .setRole(ActorRole.PROVIDER)
                      .setOrganizationId(provider.id())
                      .build())
              .setProviderReference(
                  update.providerReference() != null
                      ? update.providerReference()
                      : state.providerReference().orElse(null))
              .setOutcome(outcome(update.outcome()))
              .build();
      publisher.publish(Topics.REFERRAL_STATUS_CHANGED, update.referralId(), event);
      meters.counter("adapter.status.recorded", "status", update.status().name()).increment();
    } catch (BrokerUnavailableException e) {
      throw new ProviderUnavailableException("The status could not be recorded now; retry", e);
    } finally {
      MDC.remove("referralId");
    }
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
