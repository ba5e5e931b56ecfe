package org.referralexchange.adapter.delivery;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.referral.ReferralStateView;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.kafka.EventLog;

/**
 * The status recorder before its event log has caught up: what it cannot know yet it must not
 * refuse (a provider takes a refusal as final), only ask to be retried.
 */
class StatusRecorderTests {

  /** Nothing about the provider is looked at before the log is read. */
  private static final ProviderSettings NOT_LOOKED_AT = null;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** Found by the service crash suite: a callback right after a restart was refused for good. */
  @Test
  void asksForARetryInsteadOfRefusingWhileTheEventLogIsNotReadYet() {
    EventLog notReadYet = new EventLog(List.of(), null, null, meters, Optional.empty());
    StatusRecorder recorder =
        new StatusRecorder(new ReferralStateView(), null, meters, notReadYet, null);

    assertThatThrownBy(() -> recorder.accept(NOT_LOOKED_AT, accepted("ref-known-after-reading")))
        .isInstanceOf(ProviderUnavailableException.class)
        .isNotInstanceOf(ProviderRejectedException.class)
        .hasMessageContaining("retry");
  }

  private static ProviderStatusUpdate accepted(String referralId) {
    return new ProviderStatusUpdate(
        referralId, ReferralStatus.ACCEPTED, null, null, null, null, Instant.now());
  }
}
