package org.referralexchange.adapter.refusal;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.events.v1.ProviderReportRefused;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Makes a refused provider report visible once per version of the provider's record: one {@code
 * ProviderReportRefused} on {@code referral.report-refused} (what operators list with {@code
 * exchange-ops refusals}), the counter {@code adapter.status.refusals} by provider and reason (the
 * refusing policy), and one WARN line. Statuses, codes and ids only: the provider's free text never
 * leaves here.
 */
@Component
public class RefusalReporter {

  private static final Logger log = LoggerFactory.getLogger(RefusalReporter.class);

  private final ReportedRefusals reported;
  private final EventPublisher publisher;
  private final MeterRegistry meters;
  private final Clock clock;

  RefusalReporter(
      ReportedRefusals reported, EventPublisher publisher, MeterRegistry meters, Clock clock) {
    this.reported = reported;
    this.publisher = publisher;
    this.meters = meters;
    this.clock = clock;
  }

  /**
   * The version a report is judged by: the provider's record version, or, for a record without one,
   * the status it reports and when the provider says it set it.
   */
  public static String sourceVersion(ProviderStatusUpdate update) {
    if (update.sourceVersion() != null) {
      return update.sourceVersion();
    }
    return update.status() + "@" + update.occurredAt().toEpochMilli();
  }

  /** Whether this report (this version of the provider's record) was already refused. */
  public boolean alreadyReported(ProviderStatusUpdate update) {
    return reported.contains(update.referralId(), sourceVersion(update));
  }

  /**
   * Records the refusal, unless this version was reported already, and waits for the broker's
   * acknowledgement.
   *
   * @throws org.referralexchange.kafka.BrokerUnavailableException when it could not be recorded
   *     now; nothing was counted, and the caller tries again later
   */
  public void report(
      String providerId,
      ProviderStatusUpdate update,
      ReferralStatus currentStatus,
      String policy,
      String reason) {
    String version = sourceVersion(update);
    if (reported.contains(update.referralId(), version)) {
      return;
    }
    publisher.publish(
        Topics.REFERRAL_REPORT_REFUSED,
        update.referralId(),
        ProviderReportRefused.newBuilder()
            .setEventId(ReportedRefusals.eventId(update.referralId(), version))
            .setOccurredAt(clock.instant())
            .setReferralId(update.referralId())
            .setProviderId(providerId)
            .setProviderReference(update.providerReference())
            .setReportedStatus(update.status())
            .setCurrentStatus(currentStatus)
            .setPolicy(policy)
            .setReason(reason)
            .setSourceVersion(version)
            .build());
    meters.counter("adapter.status.refusals", "provider", providerId, "reason", policy).increment();
    log.warn(
        "Provider {} reports referral {} {} (version {}) while the exchange has it {}; refused"
            + " ({}: {}). Listed once: exchange-ops refusals",
        providerId,
        update.referralId(),
        update.status(),
        version,
        currentStatus,
        policy,
        reason);
  }
}
