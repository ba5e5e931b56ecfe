package org.referralexchange.adapter.clock;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Set;

/**
 * A provider's working week: days, opening and closing time, time zone. Business time only runs
 * while the provider is open, so "two business days" from Friday afternoon ends on Tuesday.
 */
public record BusinessHours(
    ZoneId zone, LocalTime opensAt, LocalTime closesAt, Set<DayOfWeek> days) {

  public BusinessHours {
    if (!opensAt.isBefore(closesAt)) {
      throw new IllegalArgumentException("a business day must open before it closes");
    }
    if (days.isEmpty()) {
      throw new IllegalArgumentException("at least one business day is needed");
    }
    days = Set.copyOf(days);
  }

  /** The instant itself if the provider is open then, else the next opening. */
  public Instant nextOpen(Instant instant) {
    ZonedDateTime at = instant.atZone(zone);
    for (int i = 0; i < 14; i++) {
      if (days.contains(at.getDayOfWeek())) {
        ZonedDateTime open = at.with(opensAt);
        ZonedDateTime close = at.with(closesAt);
        if (at.isBefore(open)) {
          return open.toInstant();
        }
        if (at.isBefore(close)) {
          return at.toInstant();
        }
      }
      at = at.plusDays(1).with(LocalTime.MIDNIGHT);
    }
    throw new IllegalStateException("no business day within two weeks");
  }

  /** {@code from} plus {@code businessTime} counted only while the provider is open. */
  public Instant plus(Instant from, Duration businessTime) {
    Instant cursor = nextOpen(from);
    Duration left = businessTime;
    while (true) {
      ZonedDateTime at = cursor.atZone(zone);
      Duration untilClose = Duration.between(at, at.with(closesAt));
      if (left.compareTo(untilClose) <= 0) {
        return cursor.plus(left);
      }
      left = left.minus(untilClose);
      cursor = nextOpen(at.with(closesAt).toInstant());
    }
  }
}
