package org.referralexchange.adapter.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.events.v1.ReferralSubmitted;

class ResponseDeadlineTests {

  /** Open Monday to Friday, 09:00 to 17:00 UTC; 2 h to answer, 1 h of grace. */
  private static final AdapterProperties.Provider PROVIDER =
      new AdapterProperties.Provider(
          "weekday-provider",
          "Weekday Provider",
          "webhook",
          URI.create("http://127.0.0.1:1/referrals"),
          "",
          Set.of(),
          Set.of(),
          ZoneId.of("UTC"),
          LocalTime.of(9, 0),
          LocalTime.of(17, 0),
          EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
          Duration.ofHours(2),
          Duration.ofHours(1),
          Duration.ofMinutes(15),
          true);

  /** 2026-12-07 is a Monday. */
  private static ReferralSubmitted submitted(String at, Instant respondBy) {
    ReferralSubmitted referral = new ReferralSubmitted();
    referral.setOccurredAt(Instant.parse(at));
    referral.setRespondBy(respondBy);
    return referral;
  }

  @Test
  void withoutRespondByTheProvidersWindowCountsFromSubmissionInBusinessHours() {
    ResponseDeadline deadline =
        ResponseDeadline.of(submitted("2026-12-07T16:00:00Z", null), PROVIDER);

    // One hour on Monday, the other from Tuesday's opening; then one hour of grace.
    assertThat(deadline.respondBy()).isEqualTo(Instant.parse("2026-12-08T10:00:00Z"));
    assertThat(deadline.due()).isEqualTo(Instant.parse("2026-12-08T10:00:00Z"));
    assertThat(deadline.returnAt()).isEqualTo(Instant.parse("2026-12-08T11:00:00Z"));
  }

  @Test
  void theAgencysRespondByWinsOverTheProvidersWindow() {
    Instant respondBy = Instant.parse("2026-12-09T12:00:00Z");

    ResponseDeadline deadline =
        ResponseDeadline.of(submitted("2026-12-07T10:00:00Z", respondBy), PROVIDER);

    assertThat(deadline.respondBy()).isEqualTo(respondBy);
    assertThat(deadline.due()).isEqualTo(respondBy);
    assertThat(deadline.returnAt()).isEqualTo(Instant.parse("2026-12-09T13:00:00Z"));
  }

  @Test
  void aRespondByOutsideBusinessHoursIsDueAtTheNextOpening() {
    Instant respondBy = Instant.parse("2026-12-07T20:00:00Z");

    ResponseDeadline deadline =
        ResponseDeadline.of(submitted("2026-12-07T10:00:00Z", respondBy), PROVIDER);

    assertThat(deadline.respondBy()).isEqualTo(respondBy);
    assertThat(deadline.due()).isEqualTo(Instant.parse("2026-12-08T09:00:00Z"));
    assertThat(deadline.returnAt()).isEqualTo(Instant.parse("2026-12-08T10:00:00Z"));
  }
}
