package org.referralexchange.adapter.clock;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.Set;

/**
 * A provider's working week: days, opening and closing time, time zone, and the holidays it is
 * closed on. A response window is counted the way networks say it ("answer within 2 business
 * days"):
 *
 * <ul>
 *   <li>Counting starts at the provider's next opening: at once while it is open, at today's
 *       opening before it opens, and at the next business day's opening after it closes, on a day
 *       off (weekend) or on a holiday.
 *   <li>Each whole day of the {@link Duration} ({@link Duration#toDays()}, so {@code P2D} and
 *       {@code PT48H} alike) is one <em>business day</em>: the window moves to the same local
 *       wall-clock time on the next business day, once per day. Friday 15:00 plus {@code P2D} is
 *       Tuesday 15:00; weekends and holidays are skipped, not counted.
 *   <li>What remains after the whole days ({@code PT4H}, or the 6 h of {@code PT30H}) is counted in
 *       open hours, elapsed time while the provider is open, carried over to the next opening when
 *       a day closes first. An end exactly at closing time stays at closing time.
 * </ul>
 *
 * <p>Daylight saving time: business days are counted on the local calendar, so a window crossing
 * the spring-forward or fall-back weekend still ends at the same local wall-clock time on the right
 * business day (it is 23 or 25 elapsed hours longer or shorter, as a person would expect). A local
 * time that does not exist that day (an opening at 02:30 on the spring-forward day, when clocks
 * jump from 02:00 to 03:00) resolves to the first instant that does exist at or after it: the
 * transition itself, 03:00 local time. The provider is open at every wall-clock time from its
 * opening on, and 03:00 is the first such time that day; shifting by the gap (03:30, as {@link
 * ZonedDateTime#of} would) would lose half an hour of its business day. A local time that happens
 * twice (fall back) is its first occurrence.
 */
public record BusinessHours(
    ZoneId zone,
    LocalTime opensAt,
    LocalTime closesAt,
    Set<DayOfWeek> days,
    Set<LocalDate> holidays) {

  /** How far ahead an opening is looked for before the configuration is declared unusable. */
  private static final int SEARCH_DAYS = 400;

  public BusinessHours {
    if (!opensAt.isBefore(closesAt)) {
      throw new IllegalArgumentException("a business day must open before it closes");
    }
    if (days.isEmpty()) {
      throw new IllegalArgumentException("at least one business day is needed");
    }
    days = Set.copyOf(days);
    holidays = holidays == null ? Set.of() : Set.copyOf(holidays);
  }

  /** A working week with no holidays. */
  public BusinessHours(ZoneId zone, LocalTime opensAt, LocalTime closesAt, Set<DayOfWeek> days) {
    this(zone, opensAt, closesAt, days, Set.of());
  }

  /** Whether the provider works on this date: one of its days and not a holiday. */
  public boolean isBusinessDay(LocalDate date) {
    return days.contains(date.getDayOfWeek()) && !holidays.contains(date);
  }

  /** The instant itself if the provider is open then, else the next opening. */
  public Instant nextOpen(Instant instant) {
    LocalDate date = instant.atZone(zone).toLocalDate();
    for (int i = 0; i < SEARCH_DAYS; i++, date = date.plusDays(1)) {
      if (!isBusinessDay(date)) {
        continue;
      }
      Instant open = at(date, opensAt);
      Instant close = at(date, closesAt);
      if (!open.isBefore(close)) {
        continue; // a business day wholly inside a DST gap has no open time
      }
      if (instant.isBefore(open)) {
        return open;
      }
      if (instant.isBefore(close)) {
        return instant;
      }
    }
    throw new IllegalStateException("no business day within " + SEARCH_DAYS + " days");
  }

  /**
   * {@code from} plus a response window: its whole days as business days, the rest as open hours,
   * counted from the next opening (see the type's description).
   */
  public Instant plus(Instant from, Duration window) {
    if (window.isNegative()) {
      throw new IllegalArgumentException("a response window cannot be negative");
    }
    long businessDays = window.toDays();
    Instant cursor = nextOpen(from);
    if (businessDays > 0) {
      ZonedDateTime start = cursor.atZone(zone);
      LocalDate date = start.toLocalDate();
      for (long i = 0; i < businessDays; i++) {
        date = nextBusinessDay(date);
      }
      // The start's wall-clock time lies within opening hours, so it does on that day too (a time
      // in that day's DST gap resolves to the transition, still within them).
      cursor = at(date, start.toLocalTime());
    }
    return plusOpenTime(cursor, window.minusDays(businessDays));
  }

  /** {@code from} (an open instant) plus elapsed time counted only while the provider is open. */
  private Instant plusOpenTime(Instant from, Duration openTime) {
    Instant cursor = nextOpen(from);
    Duration left = openTime;
    while (true) {
      Instant close = at(cursor.atZone(zone).toLocalDate(), closesAt);
      Duration untilClose = Duration.between(cursor, close);
      if (left.compareTo(untilClose) <= 0) {
        return cursor.plus(left);
      }
      left = left.minus(untilClose);
      cursor = nextOpen(close);
    }
  }

  private LocalDate nextBusinessDay(LocalDate date) {
    LocalDate next = date.plusDays(1);
    for (int i = 0; i < SEARCH_DAYS; i++, next = next.plusDays(1)) {
      if (isBusinessDay(next)) {
        return next;
      }
    }
    throw new IllegalStateException("no business day within " + SEARCH_DAYS + " days");
  }

  /**
   * The instant of a local date and time in the provider's zone: in a DST gap the transition (the
   * first instant at or after that wall-clock time), in an overlap the earlier of the two.
   */
  private Instant at(LocalDate date, LocalTime time) {
    LocalDateTime local = date.atTime(time);
    ZoneOffsetTransition transition = zone.getRules().getTransition(local);
    if (transition != null && transition.isGap()) {
      return transition.getInstant();
    }
    return ZonedDateTime.ofLocal(local, zone, null).toInstant();
  }
}
