package org.referralexchange.notifier.config;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Optional;

/**
 * A daily window, in the recipient's time zone, in which no SMS is sent. The window may wrap
 * midnight (21:00-08:00). Pure: no Spring here.
 */
public record QuietHours(LocalTime start, LocalTime end) {

  public static final QuietHours NONE = new QuietHours(LocalTime.MIDNIGHT, LocalTime.MIDNIGHT);

  /** Parses {@code HH:mm-HH:mm}; blank means none. */
  public static QuietHours parse(String text) {
    if (text == null || text.isBlank()) {
      return NONE;
    }
    String[] parts = text.trim().split("\\s*[-\u2013]\\s*");
    if (parts.length != 2) {
      throw new IllegalArgumentException("Quiet hours must look like 21:00-08:00: " + text);
    }
    return new QuietHours(LocalTime.parse(parts[0]), LocalTime.parse(parts[1]));
  }

  /** When the window that {@code now} falls in ends, or empty when {@code now} is not quiet. */
  public Optional<Instant> endsAfter(Instant now, ZoneId zone) {
    if (start.equals(end)) {
      return Optional.empty();
    }
    ZonedDateTime local = now.atZone(zone);
    LocalTime time = local.toLocalTime();
    boolean wraps = start.isAfter(end);
    boolean quiet =
        wraps
            ? !time.isBefore(start) || time.isBefore(end)
            : !time.isBefore(start) && time.isBefore(end);
    if (!quiet) {
      return Optional.empty();
    }
    return Optional.of(
        opensAfter(now, local.toLocalDate(), zone)
            .orElseGet(() -> opensAfter(now, local.toLocalDate().plusDays(1), zone).orElseThrow()));
  }

  /**
   * The first instant on this day, after {@code now}, at which the local clock shows {@code end}.
   * In a fall-back overlap the clock shows it twice: the window ends at the first that is still to
   * come. In a spring-forward gap it never shows it: the window ends when the gap does (03:00 for
   * an end of 02:30), not at {@code end} shifted by the gap (03:30), which would keep it quiet
   * after the clock had passed its end.
   */
  private Optional<Instant> opensAfter(Instant now, LocalDate day, ZoneId zone) {
    LocalDateTime opening = day.atTime(end);
    ZoneRules rules = zone.getRules();
    ZoneOffsetTransition gap = rules.getTransition(opening);
    if (gap != null && gap.isGap()) {
      return Optional.of(gap.getInstant()).filter(instant -> instant.isAfter(now));
    }
    return rules.getValidOffsets(opening).stream()
        .map(offset -> opening.toInstant(offset))
        .sorted()
        .filter(instant -> instant.isAfter(now))
        .findFirst();
  }
}
