package org.referralexchange.adapter.provider.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.provider.webhook.ReplayGuard.Outcome;

class ReplayGuardTests {

  private static final Duration TOLERANCE = Duration.ofMinutes(5);
  private static final Instant T0 = Instant.parse("2025-03-03T14:00:00Z");

  private final ReplayGuard guard = new ReplayGuard(3, TOLERANCE);

  @Test
  void refusesAnIdSeenBeforeFromTheSameProvider() {
    assertThat(guard.reserve("food-bank", "wh-1", T0, T0)).isEqualTo(Outcome.FIRST);
    assertThat(guard.reserve("food-bank", "wh-1", T0, T0.plusSeconds(30)))
        .isEqualTo(Outcome.REPLAYED);
  }

  @Test
  void keepsEachProvidersIdsApart() {
    guard.reserve("food-bank", "wh-1", T0, T0);

    assertThat(guard.reserve("shelter", "wh-1", T0, T0)).isEqualTo(Outcome.FIRST);
  }

  @Test
  void remembersAnIdAsLongAsItsTimestampCouldStillPass() {
    guard.reserve("food-bank", "wh-1", T0, T0);

    // A replay of the same request passes the timestamp check until T0 + tolerance.
    assertThat(guard.reserve("food-bank", "wh-1", T0, T0.plus(TOLERANCE)))
        .isEqualTo(Outcome.REPLAYED);
    // After that (and the margin) the request itself is stale, and the id may be forgotten.
    assertThat(guard.reserve("food-bank", "wh-1", T0, T0.plus(TOLERANCE).plusSeconds(61)))
        .isEqualTo(Outcome.FIRST);
  }

  @Test
  void givesBackAReleasedId() {
    guard.reserve("food-bank", "wh-1", T0, T0);
    guard.release("food-bank", "wh-1");

    assertThat(guard.reserve("food-bank", "wh-1", T0, T0)).isEqualTo(Outcome.FIRST);
  }

  @Test
  void refusesNewIdsRatherThanForgetLiveOnesWhenFull() {
    for (String id : new String[] {"wh-1", "wh-2", "wh-3"}) {
      assertThat(guard.reserve("food-bank", id, T0, T0)).isEqualTo(Outcome.FIRST);
    }

    assertThat(guard.reserve("food-bank", "wh-4", T0, T0)).isEqualTo(Outcome.FULL);
    assertThat(guard.reserve("food-bank", "wh-1", T0, T0)).isEqualTo(Outcome.REPLAYED);
    assertThat(guard.reserve("shelter", "wh-4", T0, T0)).isEqualTo(Outcome.FIRST);
  }

  @Test
  void makesRoomOnceOldIdsExpire() {
    for (String id : new String[] {"wh-1", "wh-2", "wh-3"}) {
      guard.reserve("food-bank", id, T0, T0);
    }
    Instant later = T0.plus(TOLERANCE).plusSeconds(61);

    assertThat(guard.reserve("food-bank", "wh-4", later, later)).isEqualTo(Outcome.FIRST);
  }
}
