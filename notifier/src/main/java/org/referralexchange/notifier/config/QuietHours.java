package org.referralexchange.notifier.config;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
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
    ZonedDateTime opens = local.with(end);
    if (!opens.isAfter(local)) {
      opens = opens.plusDays(1);
    }
    return Optional.of(opens.toInstant());
  }
}
