package org.referralexchange.demo;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a demo provider answers to a referral, decided from the referral's narrative text (what the
 * provider receives of the needs description, goals and notes). Keywords are matched anywhere in
 * the text, ignoring case, and the first rule that matches decides:
 *
 * <ol>
 *   <li>{@value #SILENT} → no answer at all, so the exchange's response clock reminds and returns
 *       the referral;
 *   <li>{@value #DECLINE} → {@code rejected} with reason {@value #DECLINE_REASON_CODE} ("{@value
 *       #DECLINE_REASON_TEXT}");
 *   <li>{@value #COMPLETE} → {@code accepted}, then {@code completed} with an outcome that costs
 *       {@link #COST_AMOUNT} {@value #COST_CURRENCY};
 *   <li>anything else, including no narrative → {@code accepted}.
 * </ol>
 *
 * Each answer comes {@link #delay()} after the previous one (the first after the referral arrived),
 * as a provider's staff would answer a little later.
 *
 * @param delay how long each answer waits; not negative
 */
public record DemoAnswers(Duration delay) {

  /** The delay of {@link #withDefaultDelay()}. */
  public static final Duration DEFAULT_DELAY = Duration.ofSeconds(2);

  /** Keyword: never answer. */
  public static final String SILENT = "silent";

  /** Keyword: decline the referral. */
  public static final String DECLINE = "decline";

  /** Keyword: accept, then complete the referral. */
  public static final String COMPLETE = "complete";

  /** Code system of the demo providers' reasons, in a FHIR {@code Task.statusReason}. */
  public static final String REASON_SYSTEM = "urn:referral-exchange:demo-provider:status-reason";

  public static final String DECLINE_REASON_CODE = "no-capacity";
  public static final String DECLINE_REASON_TEXT = "No capacity this month (demo)";

  public static final String DELIVERED = "Demo service delivered";
  public static final BigDecimal COST_AMOUNT = new BigDecimal("42.50");
  public static final String COST_CURRENCY = "USD";

  /** A FHIR Task status code a demo provider sets. */
  public enum Status {
    ACCEPTED("accepted"),
    REJECTED("rejected"),
    COMPLETED("completed");

    private final String code;

    Status(String code) {
      this.code = code;
    }

    /** The FHIR Task status code, as the webhook callback carries it too. */
    public String code() {
      return code;
    }
  }

  /** Why the provider answers as it does (coded, with the provider's words). */
  public record Reason(String code, String text) {}

  /** What was delivered and what it cost. */
  public record Outcome(String delivered, BigDecimal costAmount, String costCurrency) {}

  /**
   * One answer.
   *
   * @param after how long after the previous answer (or the referral's arrival) it is given
   * @param status the status it sets
   * @param reason why, or null
   * @param outcome what was delivered, on completion; else null
   */
  public record Answer(Duration after, Status status, Reason reason, Outcome outcome) {}

  public DemoAnswers {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, was " + delay);
    }
  }

  /** Answers after {@link #DEFAULT_DELAY}. */
  public static DemoAnswers withDefaultDelay() {
    return new DemoAnswers(DEFAULT_DELAY);
  }

  /**
   * The answers to give, in order; empty when the provider stays silent.
   *
   * @param narrative the referral's narrative text as the provider received it; may be null
   */
  public List<Answer> answersFor(String narrative) {
    String text = narrative == null ? "" : narrative.toLowerCase(Locale.ROOT);
    if (text.contains(SILENT)) {
      return List.of();
    }
    if (text.contains(DECLINE)) {
      return List.of(
          new Answer(
              delay, Status.REJECTED, new Reason(DECLINE_REASON_CODE, DECLINE_REASON_TEXT), null));
    }
    Answer accepted = new Answer(delay, Status.ACCEPTED, null, null);
    if (text.contains(COMPLETE)) {
      return List.of(
          accepted,
          new Answer(
              delay, Status.COMPLETED, null, new Outcome(DELIVERED, COST_AMOUNT, COST_CURRENCY)));
    }
    return List.of(accepted);
  }
}
