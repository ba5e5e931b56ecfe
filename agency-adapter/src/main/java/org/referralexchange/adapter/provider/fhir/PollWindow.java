package org.referralexchange.adapter.provider.fhir;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.adapter.provider.TrackedReferral;

/**
 * What one provider's FHIR server is asked at each poll: "the Tasks carrying our referral
 * identifier, changed since {@link #since}". Kept in memory per provider; a restart starts again
 * from the open referrals' submissions, which is at worst a longer first search.
 *
 * <p>The watermark is the highest {@code meta.lastUpdated} seen, minus {@link #OVERLAP}. The server
 * stamps {@code lastUpdated} with its own clock and the exchange only ever compares it with the
 * server's own stamps, so the exchange's clock does not matter; what the overlap tolerates is the
 * server's side: a write stamped before a later one but committed after our search (a long
 * transaction), and the clocks of a server's nodes disagreeing. Tasks changed within the overlap
 * are read again on the next poll and dropped as already reported (same version).
 */
final class PollWindow {

  /** Small against the 15-minute poll floor; generous against commit delays and node clocks. */
  static final Duration OVERLAP = Duration.ofMinutes(5);

  private final Duration overlap;
  private Instant watermark;

  /** The referrals followed at the last poll: one not among them may predate the watermark. */
  private Set<String> followed = Set.of();

  /** Per referral, the Task version last reported (see {@link #versionKey}). */
  private Map<String, String> reported = new HashMap<>();

  PollWindow(Duration overlap) {
    this.overlap = overlap;
  }

  /**
   * The lower bound of this poll's search, empty for no bound. It is the watermark, lowered to the
   * submission (minus the overlap) of every referral not followed before: its Task may have been
   * written before the watermark (delivered before a crash, recorded only after the restart). On
   * the first poll every referral is new, so the bound is the oldest open referral's submission. A
   * referral whose submission is unknown removes the bound.
   */
  synchronized Optional<Instant> since(Collection<TrackedReferral> open) {
    Instant bound = watermark;
    for (TrackedReferral referral : open) {
      if (watermark != null && followed.contains(referral.referralId())) {
        continue;
      }
      if (referral.submittedAt() == null) {
        return Optional.empty();
      }
      Instant start = referral.submittedAt().minus(overlap);
      bound = bound == null || start.isBefore(bound) ? start : bound;
    }
    return Optional.ofNullable(bound);
  }

  /** Whether a poll can be bounded at all: with nothing open and no watermark it would read all. */
  synchronized boolean worthSearching(Collection<TrackedReferral> open) {
    return watermark != null || !open.isEmpty();
  }

  /** Whether this Task version was reported by an earlier poll. */
  synchronized boolean reported(String referralId, String versionKey) {
    return versionKey.equals(reported.get(referralId));
  }

  /**
   * After a whole search (every page) succeeded, and only then, so a failed page loses nothing:
   * remembers the versions seen as reported, moves the watermark up to the newest change seen minus
   * the overlap (never down), and forgets what is neither open nor just seen.
   */
  synchronized void advance(
      Instant newestSeen, Collection<TrackedReferral> open, Map<String, String> seen) {
    reported.putAll(seen);
    if (newestSeen != null) {
      Instant next = newestSeen.minus(overlap);
      if (watermark == null || next.isAfter(watermark)) {
        watermark = next;
      }
    }
    Set<String> ids = new HashSet<>();
    open.forEach(referral -> ids.add(referral.referralId()));
    followed = Set.copyOf(ids);
    ids.addAll(seen.keySet());
    reported.keySet().retainAll(ids);
  }

  /**
   * What identifies one version of a Task: its id, {@code meta.versionId} and {@code
   * meta.lastUpdated}, the last so that a provider's server restored from a backup, which hands out
   * the same ids and versions again, is not taken for one already read.
   */
  static String versionKey(String reference, String version, Instant lastUpdated) {
    return reference + "/_history/" + version + "@" + lastUpdated;
  }
}
