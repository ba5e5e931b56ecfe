package org.referralexchange.adapter.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.referral.ConsentStateView;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.schemas.samples.SampleEvents;

class ConsentEndTests {

  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  private static ConsentDetails consent(Instant expiresAt) {
    return ConsentDetails.newBuilder(SampleEvents.consentRecorded("cns-1").getConsent())
        .setExpiresAt(expiresAt)
        .build();
  }

  @Test
  void aConsentThatStandsEndsNothing() {
    ConsentStateView.Consent standing =
        new ConsentStateView.Consent(consent(NOW.plus(Duration.ofDays(1))), false);
    assertThat(ConsentEnd.reasonAt(standing, NOW)).isEmpty();
  }

  @Test
  void aRevokedConsentEndsWithConsentRevokedEvenOnceExpired() {
    ConsentStateView.Consent revoked =
        new ConsentStateView.Consent(consent(NOW.minus(Duration.ofDays(1))), true);
    assertThat(ConsentEnd.reasonAt(revoked, NOW)).contains("consent-revoked");
  }

  @Test
  void aConsentPastItsDateEndsWithConsentExpiredFromThatInstantOn() {
    ConsentStateView.Consent byDate = new ConsentStateView.Consent(consent(NOW), false);
    assertThat(ConsentEnd.reasonAt(byDate, NOW.minusMillis(1))).isEmpty();
    assertThat(ConsentEnd.reasonAt(byDate, NOW)).contains("consent-expired");
  }

  @Test
  void aRecordedExpiryEventEndsAConsentWithoutADate() {
    ConsentStateView.Consent byEvent =
        new ConsentStateView.Consent(consent(null), false, Optional.of(NOW));
    assertThat(ConsentEnd.reasonAt(byEvent, NOW)).contains("consent-expired");
    assertThat(byEvent.effective().getExpiresAt()).isEqualTo(NOW);
  }
}
