package org.referralexchange.notifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class QuietHoursTests {

  static final ZoneId CHICAGO = ZoneId.of("America/Chicago");
  static final QuietHours NIGHT = QuietHours.parse("21:00-08:00");

  @Test
  void lateEveningInTheRecipientsZoneIsQuietUntilEightNextMorning() {
    // 23:30 in Chicago (CST, UTC-6) on 29 November.
    Instant now = Instant.parse("2026-11-30T05:30:00Z");
    assertThat(NIGHT.endsAfter(now, CHICAGO)).contains(Instant.parse("2026-11-30T14:00:00Z"));
  }

  @Test
  void earlyMorningIsQuietUntilEightTheSameDay() {
    Instant now = Instant.parse("2026-11-30T12:00:00Z"); // 06:00 in Chicago
    assertThat(NIGHT.endsAfter(now, CHICAGO)).contains(Instant.parse("2026-11-30T14:00:00Z"));
  }

  @Test
  void daytimeIsNotQuiet() {
    Instant now = Instant.parse("2026-11-30T18:00:00Z"); // 12:00 in Chicago
    assertThat(NIGHT.endsAfter(now, CHICAGO)).isEmpty();
  }

  @Test
  void theSameInstantIsQuietInOneZoneAndNotInAnother() {
    Instant now = Instant.parse("2026-11-30T03:00:00Z");
    assertThat(NIGHT.endsAfter(now, CHICAGO)).isPresent(); // 21:00 there
    assertThat(NIGHT.endsAfter(now, ZoneId.of("Asia/Tokyo"))).isEmpty(); // 12:00 there
  }

  @Test
  void aWindowThatDoesNotWrapMidnightWorks() {
    QuietHours lunch = QuietHours.parse("12:00-13:00");
    assertThat(lunch.endsAfter(Instant.parse("2026-11-30T12:30:00Z"), ZoneId.of("UTC")))
        .contains(Instant.parse("2026-11-30T13:00:00Z"));
    assertThat(lunch.endsAfter(Instant.parse("2026-11-30T13:00:00Z"), ZoneId.of("UTC"))).isEmpty();
  }

  @Test
  void blankMeansNoQuietHoursAndGarbageIsRefused() {
    assertThat(QuietHours.parse("").endsAfter(Instant.now(), CHICAGO)).isEmpty();
    assertThatThrownBy(() -> QuietHours.parse("night"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
