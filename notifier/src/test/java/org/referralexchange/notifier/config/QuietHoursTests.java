package org.referralexchange.notifier.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

  /**
   * Across the 2026 DST nights in Chicago: clocks spring forward on 8 March at 02:00 CST to 03:00
   * CDT (UTC-6 to UTC-5) and fall back on 1 November at 02:00 CDT to 01:00 CST. The window ends
   * when the local clock first shows its end, whichever offset it is on; "-" means not quiet.
   */
  @ParameterizedTest(name = "{0} at {1} ({3})")
  @CsvSource(
      delimiter = '|',
      value = {
        // spring forward: the night is an hour shorter, 08:00 is on CDT
        "21:00-08:00 | 2026-03-08T02:59:00Z | -                    | 20:59 CST, before the window",
        "21:00-08:00 | 2026-03-08T03:00:00Z | 2026-03-08T13:00:00Z | 21:00 CST, it starts",
        "21:00-08:00 | 2026-03-08T07:59:00Z | 2026-03-08T13:00:00Z | 01:59 CST, just before the gap",
        "21:00-08:00 | 2026-03-08T08:00:00Z | 2026-03-08T13:00:00Z | 03:00 CDT, just after the gap",
        "21:00-08:00 | 2026-03-08T12:59:00Z | 2026-03-08T13:00:00Z | 07:59 CDT",
        "21:00-08:00 | 2026-03-08T13:00:00Z | -                    | 08:00 CDT, it ended",
        // an end inside the gap: it ends when the clock jumps past it, not an hour later
        "22:00-02:30 | 2026-03-08T05:00:00Z | 2026-03-08T08:00:00Z | 23:00 CST, ends at 03:00 CDT",
        "22:00-02:30 | 2026-03-08T07:45:00Z | 2026-03-08T08:00:00Z | 01:45 CST, ends at 03:00 CDT",
        "22:00-02:30 | 2026-03-08T08:10:00Z | -                    | 03:10 CDT, past the end",
        // a start inside the gap: quiet from the jump
        "02:30-06:00 | 2026-03-08T07:59:00Z | -                    | 01:59 CST, before the start",
        "02:30-06:00 | 2026-03-08T08:00:00Z | 2026-03-08T11:00:00Z | 03:00 CDT, inside",
        // fall back: the night is an hour longer, 08:00 is on CST
        "21:00-08:00 | 2026-11-01T02:00:00Z | 2026-11-01T14:00:00Z | 21:00 CDT, it starts",
        "21:00-08:00 | 2026-11-01T06:30:00Z | 2026-11-01T14:00:00Z | 01:30 CDT, first pass",
        "21:00-08:00 | 2026-11-01T07:30:00Z | 2026-11-01T14:00:00Z | 01:30 CST, second pass",
        "21:00-08:00 | 2026-11-01T13:59:00Z | 2026-11-01T14:00:00Z | 07:59 CST",
        "21:00-08:00 | 2026-11-01T14:00:00Z | -                    | 08:00 CST, it ended",
        "21:00-08:00 | 2026-11-02T03:00:00Z | 2026-11-02T14:00:00Z | 21:00 CST the next night",
        // an end inside the repeated hour: the clock shows 01:30 twice, quiet whenever it is before
        "22:00-01:30 | 2026-11-01T06:00:00Z | 2026-11-01T06:30:00Z | 01:00 CDT, ends at 01:30 CDT",
        "22:00-01:30 | 2026-11-01T06:45:00Z | -                    | 01:45 CDT, past the end",
        "22:00-01:30 | 2026-11-01T07:00:00Z | 2026-11-01T07:30:00Z | 01:00 CST, quiet again"
      })
  void quietHoursAcrossDaylightSavingChangesInChicago(
      String window, Instant now, String ends, String localTime) {
    QuietHours quiet = QuietHours.parse(window);

    if (ends.equals("-")) {
      assertThat(quiet.endsAfter(now, CHICAGO)).as(localTime).isEmpty();
    } else {
      assertThat(quiet.endsAfter(now, CHICAGO)).as(localTime).contains(Instant.parse(ends));
    }
  }

  @Test
  void blankMeansNoQuietHoursAndGarbageIsRefused() {
    assertThat(QuietHours.parse("").endsAfter(Instant.now(), CHICAGO)).isEmpty();
    assertThatThrownBy(() -> QuietHours.parse("night"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
