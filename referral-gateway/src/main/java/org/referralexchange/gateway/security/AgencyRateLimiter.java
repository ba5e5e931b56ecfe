package org.referralexchange.gateway.security;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One token bucket per agency, in this instance's memory: an agency may burst up to its per-minute
 * limit, and the bucket refills continuously at that rate. Buckets exist only for authenticated
 * agencies, so their number is bounded by the configured agencies.
 */
final class AgencyRateLimiter {

  private static final double MILLIS_PER_MINUTE = 60_000d;

  private final int requestsPerMinute;
  private final double tokensPerMilli;
  private final Clock clock;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  AgencyRateLimiter(int requestsPerMinute, Clock clock) {
    this.requestsPerMinute = requestsPerMinute;
    this.tokensPerMilli = requestsPerMinute / MILLIS_PER_MINUTE;
    this.clock = clock;
  }

  int requestsPerMinute() {
    return requestsPerMinute;
  }

  /**
   * Takes one request from the agency's bucket.
   *
   * @return empty if the request may go ahead, otherwise how long until it could (at least a
   *     second)
   */
  Optional<Duration> acquire(String agencyId) {
    long now = clock.millis();
    Bucket bucket = buckets.computeIfAbsent(agencyId, id -> new Bucket(requestsPerMinute, now));
    synchronized (bucket) {
      // A clock stepped backwards refills nothing rather than draining the bucket.
      long elapsed = Math.max(0, now - bucket.refilledAt);
      bucket.tokens = Math.min(requestsPerMinute, bucket.tokens + elapsed * tokensPerMilli);
      bucket.refilledAt = Math.max(now, bucket.refilledAt);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return Optional.empty();
      }
      long waitMillis = (long) Math.ceil((1 - bucket.tokens) / tokensPerMilli);
      long seconds = Math.max(1, (waitMillis + 999) / 1000);
      return Optional.of(Duration.ofSeconds(seconds));
    }
  }

  private static final class Bucket {
    private double tokens;
    private long refilledAt;

    private Bucket(double tokens, long refilledAt) {
      this.tokens = tokens;
      this.refilledAt = refilledAt;
    }
  }
}
