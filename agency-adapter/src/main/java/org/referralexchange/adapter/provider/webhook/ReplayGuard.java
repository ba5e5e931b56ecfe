package org.referralexchange.adapter.provider.webhook;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the {@code webhook-id}s each provider has used for as long as a replay of the same
 * request could still pass the timestamp check, so a captured request cannot be played again. In
 * memory and bounded per provider; only ids of requests whose signature verified are stored, so
 * only the provider itself can fill its own share. One instance's memory: several adapter instances
 * behind a load balancer each keep their own (see the module README).
 */
final class ReplayGuard {

  /** What {@link #reserve} found. */
  enum Outcome {
    FIRST,
    REPLAYED,
    FULL
  }

  /** Margin kept beyond the tolerance, for clock jitter between the check and the reservation. */
  private static final Duration MARGIN = Duration.ofMinutes(1);

  private final int maxPerProvider;
  private final Duration tolerance;
  private final Map<String, Seen> byProvider = new ConcurrentHashMap<>();

  ReplayGuard(int maxPerProvider, Duration tolerance) {
    this.maxPerProvider = maxPerProvider;
    this.tolerance = tolerance;
  }

  /**
   * Claims the id for this provider. {@link Outcome#FULL} when the provider already has {@code
   * maxPerProvider} live ids: refusing then is safer than forgetting one early.
   *
   * @param sentAt the verified {@code webhook-timestamp}; a replay passes the timestamp check until
   *     {@code sentAt + tolerance}, so the id is kept until then (plus a margin)
   */
  Outcome reserve(String providerId, String webhookId, Instant sentAt, Instant now) {
    return byProvider
        .computeIfAbsent(providerId, p -> new Seen())
        .reserve(webhookId, sentAt.plus(tolerance).plus(MARGIN), now, maxPerProvider);
  }

  /** Gives the id back, when what it carried was not recorded and the provider should retry. */
  void release(String providerId, String webhookId) {
    Seen seen = byProvider.get(providerId);
    if (seen != null) {
      seen.release(webhookId);
    }
  }

  private static final class Seen {
    // Insertion order is close to expiry order (expiry = timestamp + constant).
    private final LinkedHashMap<String, Instant> expiries = new LinkedHashMap<>();

    synchronized Outcome reserve(String id, Instant expiry, Instant now, int max) {
      purgeHead(now);
      Instant known = expiries.get(id);
      if (known != null && known.isAfter(now)) {
        return Outcome.REPLAYED;
      }
      if (expiries.size() >= max) {
        purgeAll(now);
        if (expiries.size() >= max) {
          return Outcome.FULL;
        }
      }
      expiries.put(id, expiry);
      return Outcome.FIRST;
    }

    synchronized void release(String id) {
      expiries.remove(id);
    }

    private void purgeHead(Instant now) {
      Iterator<Instant> it = expiries.values().iterator();
      while (it.hasNext() && !it.next().isAfter(now)) {
        it.remove();
      }
    }

    private void purgeAll(Instant now) {
      expiries.values().removeIf(expiry -> !expiry.isAfter(now));
    }
  }
}
