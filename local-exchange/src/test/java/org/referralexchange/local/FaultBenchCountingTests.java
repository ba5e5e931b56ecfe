package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * How the fault suite tells a repeated notification from a message of its own. An overdue reminder
 * (the response window passed before the provider answered, as for a referral submitted just before
 * an adapter's slow restart) is not a repeat of the answer's message; a second answer message, or a
 * reminder told more often than the log gave it, is.
 */
class FaultBenchCountingTests {

  @Test
  void anAcceptedMessageAndTheReminderTheLogGaveAreNoRepeat() {
    assertThat(FaultBench.repeats(2, 1, 1, 1)).isZero();
  }

  @Test
  void theAcceptedMessageTwiceIsARepeatEvenWithAReminderInTheLog() {
    assertThat(FaultBench.repeats(2, 0, 1, 1)).isEqualTo(1);
    assertThat(FaultBench.repeats(3, 1, 1, 1)).isEqualTo(1);
  }

  @Test
  void aReminderToldTwiceOrWithoutAReminderInTheLogIsARepeat() {
    assertThat(FaultBench.repeats(3, 2, 1, 1)).isEqualTo(1);
    assertThat(FaultBench.repeats(2, 1, 1, 0)).isEqualTo(1);
  }

  @Test
  void aReminderTheNotifierDidNotTellIsNoRepeat() {
    assertThat(FaultBench.repeats(1, 0, 1, 1)).isZero();
  }
}
