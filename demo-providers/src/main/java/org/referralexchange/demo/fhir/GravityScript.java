package org.referralexchange.demo.fhir;

import java.util.List;
import java.util.Locale;

/**
 * What the Gravity-like demo provider does with a referral, decided from its narrative as {@link
 * org.referralexchange.demo.DemoAnswers} does: keywords matched anywhere in the text, ignoring case
 * (a hyphen reads as a space), the first rule that matches wins. Each script is one row of the ways
 * a Gravity SDOHCC referral target moves a Task that an exchange written for its own demo provider
 * never saw: steps skipped between two polls, reasons with text only.
 */
public enum GravityScript {

  /** {@code silent}: never answers. */
  SILENT("silent", List.of()),

  /** {@code decline}: requested → rejected, {@code statusReason} with text only. */
  DECLINE("decline", List.of("rejected")),

  /** {@code on hold}: requested → accepted, then accepted → on-hold with a text-only reason. */
  ON_HOLD("on hold", List.of("accepted", "on-hold")),

  /** {@code in progress}: requested → in-progress in one edit (accepted never visible). */
  IN_PROGRESS("in progress", List.of("in-progress")),

  /**
   * {@code complete}: requested → completed in one edit (accepted and in-progress never visible),
   * with a Procedure created on the server and referenced from {@code Task.output}.
   */
  COMPLETE("complete", List.of("completed")),

  /** Anything else, or no narrative: requested → accepted. */
  ACCEPT(null, List.of("accepted"));

  /** The text-only reason of {@link #DECLINE}. */
  public static final String DECLINE_TEXT = "We are not taking new clients this month (demo)";

  /** The text-only reason of {@link #ON_HOLD}. */
  public static final String HOLD_TEXT = "Waiting for paperwork before we continue (demo)";

  private final String keyword;
  private final List<String> statuses;

  GravityScript(String keyword, List<String> statuses) {
    this.keyword = keyword;
    this.statuses = statuses;
  }

  /** The Task statuses this script sets, in order, one edit each. */
  public List<String> statuses() {
    return statuses;
  }

  /** The script for a narrative as the provider received it; null reads as empty. */
  public static GravityScript forNarrative(String narrative) {
    String text = narrative == null ? "" : narrative.toLowerCase(Locale.ROOT).replace('-', ' ');
    for (GravityScript script : values()) {
      if (script.keyword != null && text.contains(script.keyword)) {
        return script;
      }
    }
    return ACCEPT;
  }
}
