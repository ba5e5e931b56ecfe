package org.referralexchange.ops.redaction;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes text from a record's headers (an exception message may quote the payload it failed on) safe
 * to print. The rule, also in the tool's help:
 *
 * <ol>
 *   <li>control characters (line breaks included) become spaces, so one header is one line;
 *   <li>anything quoted ({@code '...'}, {@code "..."}, {@code `...`}) becomes {@code <quoted>}:
 *       quoting is how parsers and mail servers cite the input they refused;
 *   <li>anything that looks like an email address becomes {@code <email>};
 *   <li>any run of 7 or more digits, possibly separated by spaces, dots, dashes, slashes or
 *       parentheses and led by {@code +}, becomes {@code <digits>}: phone numbers, dates of birth,
 *       record numbers; UUIDs (the exchange's referral and event ids) are kept as they are;
 *   <li>the result is cut to {@value #MAX_LENGTH} characters.
 * </ol>
 *
 * It over-masks on purpose (a timestamp in a message is masked too).
 */
public final class Redaction {

  /** Longest text printed from one header. */
  public static final int MAX_LENGTH = 160;

  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
  private static final Pattern QUOTED = Pattern.compile("'[^']*'|\"[^\"]*\"|`[^`]*`");
  private static final Pattern EMAIL =
      Pattern.compile("[\\p{L}\\p{N}._%+-]+@[\\p{L}\\p{N}-]+(\\.[\\p{L}\\p{N}-]+)+");
  private static final Pattern DIGITS = Pattern.compile("\\+?\\(?\\d[\\d .()/-]*\\d");
  private static final Pattern UUID =
      Pattern.compile(
          "\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}");

  private Redaction() {}

  /** The text, masked and cut as the class describes; {@code null} stays {@code null}. */
  public static String mask(String text) {
    if (text == null) {
      return null;
    }
    String masked = CONTROL.matcher(text).replaceAll(" ");
    masked = QUOTED.matcher(masked).replaceAll("<quoted>");
    masked = EMAIL.matcher(masked).replaceAll("<email>");
    masked = maskLongDigitRuns(masked);
    if (masked.length() > MAX_LENGTH) {
      masked = masked.substring(0, MAX_LENGTH - 1) + "…";
    }
    return masked;
  }

  /** Text that is not a message (a key, a header name): control characters out, and cut. */
  public static String printable(String text) {
    if (text == null) {
      return null;
    }
    String clean = CONTROL.matcher(text).replaceAll("?");
    return clean.length() > MAX_LENGTH ? clean.substring(0, MAX_LENGTH - 1) + "…" : clean;
  }

  /** Masks long digit runs in the text between UUIDs. */
  private static String maskLongDigitRuns(String text) {
    Matcher ids = UUID.matcher(text);
    StringBuilder out = new StringBuilder();
    int from = 0;
    while (ids.find()) {
      out.append(maskDigits(text.substring(from, ids.start()))).append(ids.group());
      from = ids.end();
    }
    return out.append(maskDigits(text.substring(from))).toString();
  }

  private static String maskDigits(String text) {
    Matcher matcher = DIGITS.matcher(text);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      long digits = matcher.group().chars().filter(Character::isDigit).count();
      matcher.appendReplacement(
          out, digits >= 7 ? "<digits>" : Matcher.quoteReplacement(matcher.group()));
    }
    matcher.appendTail(out);
    return out.toString();
  }
}
