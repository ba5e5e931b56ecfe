package org.referralexchange.adapter.delivery;

import java.util.regex.Pattern;
import org.referralexchange.events.v1.Reason;

/**
 * A provider's reason as it goes on the topic. SDOHCC requires only {@code statusReason.text}, so a
 * text alone is a reason, coded {@value #UNCODED} for whoever needs a code (emails and SMS carry
 * the code, never the text). The text is the provider's own words, shown on the timeline: control
 * and direction-override characters are taken out (they forge lines and reorder what a reader sees)
 * and it is cut to {@value #MAX_TEXT_LENGTH} characters.
 */
final class ProviderReason {

  /** The code of a reason given in words only. */
  static final String UNCODED = "other";

  /** The most of a provider's text that reaches the timeline, in code points. */
  static final int MAX_TEXT_LENGTH = 500;

  /** Codes are short words such as no-capacity; anything longer is not a code. */
  static final int MAX_CODE_LENGTH = 64;

  /** C0 and C1 controls, and the bidirectional embedding, override and isolate characters. */
  private static final Pattern UNSAFE = Pattern.compile("[\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069]+");

  private ProviderReason() {}

  /** The reason to record, or null when the provider gave none (no code, no text). */
  static Reason of(String code, String text) {
    String words = clean(text, MAX_TEXT_LENGTH);
    String coded = clean(code, MAX_CODE_LENGTH);
    if (coded == null && words == null) {
      return null;
    }
    return Reason.newBuilder().setCode(coded == null ? UNCODED : coded).setText(words).build();
  }

  /** The value without unsafe characters and cut to {@code max} code points; null when blank. */
  static String clean(String value, int max) {
    if (value == null) {
      return null;
    }
    String safe = UNSAFE.matcher(value).replaceAll(" ").strip();
    if (safe.isEmpty()) {
      return null;
    }
    if (safe.codePointCount(0, safe.length()) <= max) {
      return safe;
    }
    // Cut on a code point boundary, so a surrogate pair is never split; the ellipsis says so.
    return safe.substring(0, safe.offsetByCodePoints(0, max - 1)).stripTrailing() + "…";
  }
}
