package org.referralexchange.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralexchange.demo.DemoAnswers.Answer;
import org.referralexchange.demo.DemoAnswers.Outcome;
import org.referralexchange.demo.DemoAnswers.Reason;
import org.referralexchange.demo.DemoAnswers.Status;

class DemoAnswersTests {

  private static final Duration DELAY = Duration.ofMillis(100);
  private final DemoAnswers answers = new DemoAnswers(DELAY);

  @Test
  void aPlainNarrativeIsAccepted() {
    assertThat(answers.answersFor("Needs groceries for a family of four"))
        .containsExactly(new Answer(DELAY, Status.ACCEPTED, null, null));
  }

  @Test
  void noNarrativeIsAccepted() {
    assertThat(answers.answersFor(null))
        .containsExactly(new Answer(DELAY, Status.ACCEPTED, null, null));
    assertThat(answers.answersFor("")).extracting(Answer::status).containsExactly(Status.ACCEPTED);
  }

  @Test
  void declineInAnyCaseIsRejectedWithAReason() {
    for (String narrative : List.of("please decline", "DECLINE this one", "Declined before")) {
      assertThat(answers.answersFor(narrative))
          .as(narrative)
          .containsExactly(
              new Answer(
                  DELAY,
                  Status.REJECTED,
                  new Reason("no-capacity", "No capacity this month (demo)"),
                  null));
    }
  }

  @Test
  void completeIsAcceptedThenCompletedWithACost() {
    assertThat(answers.answersFor("Please Complete the intake"))
        .containsExactly(
            new Answer(DELAY, Status.ACCEPTED, null, null),
            new Answer(
                DELAY,
                Status.COMPLETED,
                null,
                new Outcome("Demo service delivered", new BigDecimal("42.50"), "USD")));
  }

  @Test
  void silentNeverAnswers() {
    assertThat(answers.answersFor("Keep SILENT")).isEmpty();
  }

  @Test
  void silentWinsOverDeclineAndDeclineOverComplete() {
    assertThat(answers.answersFor("silent, decline, complete")).isEmpty();
    assertThat(answers.answersFor("complete or decline"))
        .extracting(Answer::status)
        .containsExactly(Status.REJECTED);
  }

  @Test
  void statusesAreFhirTaskCodes() {
    assertThat(Status.ACCEPTED.code()).isEqualTo("accepted");
    assertThat(Status.REJECTED.code()).isEqualTo("rejected");
    assertThat(Status.COMPLETED.code()).isEqualTo("completed");
  }

  @Test
  void theDefaultDelayIsTwoSecondsAndANegativeOneIsRefused() {
    assertThat(DemoAnswers.withDefaultDelay().delay()).isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(() -> new DemoAnswers(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DemoAnswers(null)).isInstanceOf(NullPointerException.class);
  }
}
