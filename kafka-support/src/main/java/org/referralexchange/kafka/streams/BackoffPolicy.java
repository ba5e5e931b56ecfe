package org.referralexchange.kafka.streams;

import java.time.Duration;

/**
 * How a listener container retries a record whose handling failed for a reason that may pass (a
 * provider or SMTP server down), before the record is dead-lettered as {@code retries-exhausted}.
 * Refused and undecodable records are never retried.
 *
 * @param name what the policy is for, named in logs
 * @param initialInterval the first wait
 * @param multiplier how much each wait grows
 * @param maxInterval the longest wait
 * @param maxElapsed how long to keep trying one record in all
 */
public record BackoffPolicy(
    String name,
    Duration initialInterval,
    double multiplier,
    Duration maxInterval,
    Duration maxElapsed) {

  /**
   * Side effects for the command consumers to come (provider deliveries, email, SMS): a minute's
   * worth of quick retries, then every 30 s, for 15 minutes. A record holds its partition while
   * retried, so the bound is what one bad command may delay the ones behind it.
   */
  public static final BackoffPolicy SIDE_EFFECTS =
      new BackoffPolicy(
          "side-effects",
          Duration.ofMillis(500),
          2.0,
          Duration.ofSeconds(30),
          Duration.ofMinutes(15));
}
