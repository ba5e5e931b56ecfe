package org.referralexchange.adapter.provider.intake;

import java.time.Clock;
import java.util.UUID;
import org.referralexchange.events.v1.IntakePageViewed;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Records each view of an intake page on {@code intake.page-viewed}: provider, referral, link and
 * time, never what the page showed. A view is recorded (acknowledged by the broker) before anything
 * is opened for it, so no client data is shown that the record does not account for.
 */
@Component
class IntakeViews {

  private final EventPublisher publisher;
  private final Clock clock;

  IntakeViews(EventPublisher publisher, Clock clock) {
    this.publisher = publisher;
    this.clock = clock;
  }

  /**
   * @throws org.referralexchange.kafka.BrokerUnavailableException not recorded: show nothing
   */
  void record(IntakeLink link, boolean withdrawn) {
    publisher.publish(
        Topics.INTAKE_PAGE_VIEWED,
        link.referralId(),
        IntakePageViewed.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(clock.instant())
            .setReferralId(link.referralId())
            .setProviderId(link.providerId())
            .setLinkId(link.linkId())
            .setWithdrawn(withdrawn)
            .build());
  }
}
