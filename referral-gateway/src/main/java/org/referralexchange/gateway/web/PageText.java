package org.referralexchange.gateway.web;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import org.referralexchange.gateway.referral.ReferralResponse;

/**
 * How the pages word statuses, times and amounts. A status is always a word (never a colour alone,
 * WCAG 1.4.1); times are the agency's local time, and each also carries its ISO instant.
 */
final class PageText {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm zzz", Locale.US);

  private static final Map<String, String> STATUS =
      Map.ofEntries(
          Map.entry("REQUESTED", "Waiting for the provider"),
          Map.entry("ACCEPTED", "Accepted"),
          Map.entry("REJECTED", "Declined"),
          Map.entry("IN_PROGRESS", "In progress"),
          Map.entry("ON_HOLD", "On hold"),
          Map.entry("COMPLETED", "Completed"),
          Map.entry("CANCELLED", "Cancelled"),
          Map.entry("FAILED", "Ended without service"),
          Map.entry("ENTERED_IN_ERROR", "Entered in error"),
          Map.entry("ANSWERED", "Answered (details withheld: 42 CFR Part 2)"));

  private PageText() {}

  static String status(String status) {
    return STATUS.getOrDefault(status, status);
  }

  /** The statuses a list may be filtered by, in lifecycle order, with their words. */
  static Map<String, String> filterableStatuses() {
    java.util.LinkedHashMap<String, String> statuses = new java.util.LinkedHashMap<>();
    for (String s :
        new String[] {
          "REQUESTED",
          "ACCEPTED",
          "REJECTED",
          "IN_PROGRESS",
          "ON_HOLD",
          "COMPLETED",
          "CANCELLED",
          "FAILED"
        }) {
      statuses.put(s, STATUS.get(s));
    }
    return statuses;
  }

  static String time(Instant instant, ZoneId zone) {
    return instant == null ? null : TIME.format(instant.atZone(zone));
  }

  static String cost(ReferralResponse.Outcome outcome) {
    if (outcome == null || outcome.costAmount() == null) {
      return null;
    }
    BigDecimal amount = outcome.costAmount();
    return amount.toPlainString()
        + (outcome.costCurrency() == null ? "" : " " + outcome.costCurrency());
  }

  static String units(ReferralResponse.Outcome outcome) {
    if (outcome == null || outcome.units() == null) {
      return null;
    }
    double units = outcome.units();
    String number =
        units == Math.rint(units) ? Long.toString((long) units) : Double.toString(units);
    return number + (outcome.unitName() == null ? "" : " " + outcome.unitName());
  }
}
