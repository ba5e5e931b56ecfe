package org.referralexchange.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.security.SecurityTestConfiguration.MutableClock;

class AgencyRateLimiterTests {

  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

  @Test
  void allowsABurstUpToTheLimitThenNamesTheWaitForTheNextRequest() {
    AgencyRateLimiter limiter = new AgencyRateLimiter(6, clock);

    for (int i = 0; i < 6; i++) {
      assertThat(limiter.acquire("county-hhs")).as("request %d", i + 1).isEmpty();
    }

    assertThat(limiter.acquire("county-hhs")).hasValue(Duration.ofSeconds(10));
  }

  @Test
  void refillsContinuouslyAtTheLimitsRate() {
    AgencyRateLimiter limiter = new AgencyRateLimiter(6, clock);
    drain(limiter, 6);

    clock.advance(Duration.ofSeconds(25));

    assertThat(limiter.acquire("county-hhs")).isEmpty();
    assertThat(limiter.acquire("county-hhs")).isEmpty();
    assertThat(limiter.acquire("county-hhs")).hasValue(Duration.ofSeconds(5));
  }

  @Test
  void neverRefillsBeyondTheLimit() {
    AgencyRateLimiter limiter = new AgencyRateLimiter(2, clock);

    clock.advance(Duration.ofDays(1));

    drain(limiter, 2);
    assertThat(limiter.acquire("county-hhs")).isPresent();
  }

  @Test
  void roundsAWaitShorterThanASecondUpToOneSecond() {
    AgencyRateLimiter limiter = new AgencyRateLimiter(600, clock);
    drain(limiter, 600);

    assertThat(limiter.acquire("county-hhs")).hasValue(Duration.ofSeconds(1));
  }

  @Test
  void aClockSteppedBackwardsRefillsNothing() {
    AgencyRateLimiter limiter = new AgencyRateLimiter(6, clock);
    drain(limiter, 6);

    clock.advance(Duration.ofMinutes(-5));

    assertThat(limiter.acquire("county-hhs")).isPresent();
  }

  private static void drain(AgencyRateLimiter limiter, int requests) {
    for (int i = 0; i < requests; i++) {
      assertThat(limiter.acquire("county-hhs")).as("request %d", i + 1).isEmpty();
    }
  }
}
