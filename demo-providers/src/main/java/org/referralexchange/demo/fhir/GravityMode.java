package org.referralexchange.demo.fhir;

import java.time.Duration;
import java.util.Objects;

/**
 * The Gravity-like mode of {@link DemoFhirProvider}: Tasks move as {@link GravityScript} says, one
 * edit {@code delay} after the previous one, and the server offers R4 topic-based subscriptions
 * (Subscriptions R5 Backport IG, rest-hook, id-only) when {@code subscriptions} is on.
 *
 * @param delay how long each edit waits after the previous one (or the referral's arrival)
 * @param subscriptions whether the server declares and serves topic-based subscriptions
 */
public record GravityMode(Duration delay, boolean subscriptions) {

  public GravityMode {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
  }
}
