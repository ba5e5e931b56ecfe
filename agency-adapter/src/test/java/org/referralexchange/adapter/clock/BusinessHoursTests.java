package org.referralexchange.adapter.clock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How a response window is counted in a provider's business hours. Times carry their UTC offset so
 * each row says which side of a DST change it is on (America/Chicago: -06:00 standard, -05:00
 * daylight; 2026 springs forward on Sunday 8 March at 02:00, falls back on Sunday 1 November).
 */
class BusinessHoursTests {

  private static final ZoneId CHICAGO = ZoneId.of("America/Chicago");

  private static final Map<String, BusinessHours> PROVIDERS =
      Map.of(
          // Open 08:00-17:00 Monday to Friday, closed on Christmas Day (a Friday in 2026).
          "weekdays",
          new BusinessHours(
              CHICAGO,
              LocalTime.of(8, 0),
              LocalTime.of(17, 0),
              EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
              Set.of(LocalDate.parse("2026-12-25"))),
          // Opens at 02:30 every day: on the spring-forward Sunday that time does not exist.
          "night-shift",
          new BusinessHours(
              CHICAGO, LocalTime.of(2, 30), LocalTime.of(17, 0), EnumSet.allOf(DayOfWeek.class)));

  @ParameterizedTest(name = "{0}: {1} + {2} = {3} ({4})")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          weekdays    | 2026-12-04T15:00-06:00 | P2D     | 2026-12-08T15:00-06:00 | two business days from Friday afternoon end on Tuesday
          weekdays    | 2026-12-04T15:00-06:00 | PT48H   | 2026-12-08T15:00-06:00 | every whole 24 h of a window is one business day
          weekdays    | 2026-12-07T10:00-06:00 | P1D     | 2026-12-08T10:00-06:00 | a business day within the week
          weekdays    | 2026-12-04T15:00-06:00 | PT4H    | 2026-12-07T10:00-06:00 | hours count open hours over the weekend
          weekdays    | 2026-12-03T15:00-06:00 | P1DT3H  | 2026-12-07T09:00-06:00 | days first, then the rest in open hours
          weekdays    | 2026-12-05T11:00-06:00 | P1D     | 2026-12-08T08:00-06:00 | from a Saturday counting starts at Monday's opening
          weekdays    | 2026-12-06T23:00-06:00 | PT2H    | 2026-12-07T10:00-06:00 | from a Sunday night counting starts at Monday's opening
          weekdays    | 2026-12-07T06:30-06:00 | PT4H    | 2026-12-07T12:00-06:00 | from before opening counting starts at the opening
          weekdays    | 2026-12-07T06:30-06:00 | P1D     | 2026-12-08T08:00-06:00 | a day from before opening ends at the next day's opening
          weekdays    | 2026-12-07T18:00-06:00 | PT2H    | 2026-12-08T10:00-06:00 | from after closing counting starts at the next opening
          weekdays    | 2026-12-07T18:00-06:00 | P2D     | 2026-12-10T08:00-06:00 | days from after closing count from the next opening
          weekdays    | 2026-12-07T13:00-06:00 | PT4H    | 2026-12-07T17:00-06:00 | an end exactly at closing time stays there
          weekdays    | 2026-12-07T13:00-06:00 | PT0S    | 2026-12-07T13:00-06:00 | no window while open is now
          weekdays    | 2026-12-24T15:00-06:00 | P1D     | 2026-12-28T15:00-06:00 | a holiday is skipped like a weekend
          weekdays    | 2026-12-25T10:00-06:00 | PT2H    | 2026-12-28T10:00-06:00 | from a holiday counting starts at the next opening
          weekdays    | 2026-03-06T15:00-06:00 | P2D     | 2026-03-10T15:00-05:00 | across spring forward: same wall-clock time on Tuesday
          weekdays    | 2026-03-06T15:00-06:00 | PT4H    | 2026-03-09T10:00-05:00 | open hours across spring forward
          weekdays    | 2026-10-30T15:00-05:00 | P2D     | 2026-11-03T15:00-06:00 | across fall back: same wall-clock time on Tuesday
          weekdays    | 2026-10-30T15:00-05:00 | PT4H    | 2026-11-02T10:00-06:00 | open hours across fall back
          night-shift | 2026-03-08T01:00-06:00 | PT1H    | 2026-03-08T04:00-05:00 | an opening in the DST gap opens at the transition (03:00)
          night-shift | 2026-03-07T02:30-06:00 | P1D     | 2026-03-08T03:00-05:00 | a day ending in the DST gap ends at the transition
          night-shift | 2026-03-07T16:00-06:00 | PT2H    | 2026-03-08T04:00-05:00 | the hour after closing carries over to the gap day's opening
          night-shift | 2026-03-08T17:30-05:00 | P1D     | 2026-03-10T02:30-05:00 | after the gap day the opening is 02:30 again
          """)
  void aWindowEndsWhereTheProvidersCalendarSays(
      String provider, String from, String window, String expected, String why) {
    Instant end =
        PROVIDERS
            .get(provider)
            .plus(OffsetDateTime.parse(from).toInstant(), Duration.parse(window));

    assertThat(end).as(why).isEqualTo(OffsetDateTime.parse(expected).toInstant());
  }

  @ParameterizedTest(name = "{0}: next opening after {1} is {2} ({3})")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          weekdays    | 2026-12-07T10:00-06:00 | 2026-12-07T10:00-06:00 | open now
          weekdays    | 2026-12-07T07:59-06:00 | 2026-12-07T08:00-06:00 | before opening
          weekdays    | 2026-12-07T17:00-06:00 | 2026-12-08T08:00-06:00 | at closing time it is closed
          weekdays    | 2026-12-04T20:00-06:00 | 2026-12-07T08:00-06:00 | Friday evening: Monday
          weekdays    | 2026-12-24T17:30-06:00 | 2026-12-28T08:00-06:00 | over a holiday and a weekend
          night-shift | 2026-03-08T00:30-06:00 | 2026-03-08T03:00-05:00 | an opening in the DST gap
          """)
  void theNextOpeningSkipsNightsWeekendsAndHolidays(
      String provider, String at, String expected, String why) {
    assertThat(PROVIDERS.get(provider).nextOpen(OffsetDateTime.parse(at).toInstant()))
        .as(why)
        .isEqualTo(OffsetDateTime.parse(expected).toInstant());
  }
}
