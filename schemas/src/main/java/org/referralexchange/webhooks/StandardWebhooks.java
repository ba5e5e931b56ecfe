package org.referralexchange.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Symmetric signatures in the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a>
 * style: {@code v1,} + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), the
 * timestamp in Unix seconds, a five-minute tolerance either way.
 *
 * <p>Secrets: {@code whsec_<base64>} (the spec's serialisation) is base64-decoded and the decoded
 * bytes are the key; any other string is used as its own UTF-8 bytes. Note that the reference
 * libraries decode an unprefixed secret as base64 too: a provider handed a bare base64 secret by
 * another tool must be configured here with the {@code whsec_} prefix.
 *
 * <p>Plain Java, no Spring: the adapter and the demo provider both sign and verify with it.
 */
public final class StandardWebhooks {

  public static final String ID_HEADER = "webhook-id";
  public static final String TIMESTAMP_HEADER = "webhook-timestamp";
  public static final String SIGNATURE_HEADER = "webhook-signature";

  /** How far a timestamp may be from our clock, either way. */
  public static final Duration TOLERANCE = Duration.ofMinutes(5);

  static final String SECRET_PREFIX = "whsec_";
  private static final String VERSION = "v1";
  private static final String HMAC = "HmacSHA256";

  /** More signatures than this in one header is not a key rotation; the rest are ignored. */
  private static final int MAX_SIGNATURES = 10;

  private StandardWebhooks() {}

  /** The outcome of {@link #verify}. */
  public sealed interface Verification permits Verified, Rejected {}

  /** The headers carry a valid signature of the body and a timestamp within the tolerance. */
  public record Verified(String webhookId, Instant timestamp) implements Verification {}

  /** Refused, with the reason. */
  public record Rejected(Reason reason) implements Verification {}

  /** Why a webhook was refused; {@link #code()} is the stable word. */
  public enum Reason {
    /** A header is absent, or {@code webhook-timestamp} is not an integer. */
    MISSING_HEADERS("missing-headers"),
    /** No {@code v1} signature in the header matches the body under the secret. */
    BAD_SIGNATURE("bad-signature"),
    /** The timestamp is more than the tolerance in the past. */
    STALE_TIMESTAMP("stale-timestamp"),
    /** The timestamp is more than the tolerance in the future. */
    FUTURE_TIMESTAMP("future-timestamp");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /** Signs a UTF-8 body; returns the {@code webhook-signature} value {@code v1,<base64>}. */
  public static String sign(String id, long timestampSeconds, String body, String secret) {
    return sign(id, timestampSeconds, body.getBytes(StandardCharsets.UTF_8), secret);
  }

  /**
   * Signs the exact body bytes; returns the {@code webhook-signature} value {@code v1,<base64>}.
   */
  public static String sign(String id, long timestampSeconds, byte[] body, String secret) {
    byte[] mac = mac(id, Long.toString(timestampSeconds), body, key(secret));
    return VERSION + "," + Base64.getEncoder().encodeToString(mac);
  }

  /**
   * Checks a received webhook. Header names are matched case-insensitively; the signature header
   * may hold several space-separated signatures (secret rotation) and one matching {@code v1} entry
   * is enough. Comparison is constant-time. The signature is checked before the timestamp, so a
   * caller without the secret learns nothing about the clock window.
   *
   * @param headers the request headers (at least the three {@code webhook-*} ones)
   * @param body the raw request body, exactly as received
   * @param secret the shared secret (see the class comment for its format)
   * @param now the receiver's clock
   * @throws IllegalArgumentException if the secret is unusable (see {@link #requireUsableSecret})
   */
  public static Verification verify(
      Map<String, String> headers, byte[] body, String secret, Instant now) {
    String id = header(headers, ID_HEADER);
    String timestamp = header(headers, TIMESTAMP_HEADER);
    String signatures = header(headers, SIGNATURE_HEADER);
    return verify(id, timestamp, signatures, body, secret, now);
  }

  /** As {@link #verify(Map, byte[], String, Instant)}, with the three header values given. */
  public static Verification verify(
      String id, String timestamp, String signatures, byte[] body, String secret, Instant now) {
    Objects.requireNonNull(now, "now");
    if (isBlank(id) || isBlank(timestamp) || isBlank(signatures) || body == null) {
      return new Rejected(Reason.MISSING_HEADERS);
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return new Rejected(Reason.MISSING_HEADERS);
    }
    // Over the header as sent, not a re-formatted number: the sender signed those characters.
    byte[] expected = mac(id, timestamp, body, key(secret));
    if (!anyMatches(signatures, expected)) {
      return new Rejected(Reason.BAD_SIGNATURE);
    }
    Instant sent = Instant.ofEpochSecond(seconds);
    if (sent.isBefore(now.minus(TOLERANCE))) {
      return new Rejected(Reason.STALE_TIMESTAMP);
    }
    if (sent.isAfter(now.plus(TOLERANCE))) {
      return new Rejected(Reason.FUTURE_TIMESTAMP);
    }
    return new Verified(id, sent);
  }

  /**
   * Checks that a secret is usable, for start-up validation; the message never contains it.
   *
   * @throws IllegalArgumentException if it is blank, or {@code whsec_} followed by bad base64
   */
  public static void requireUsableSecret(String secret) {
    key(secret);
  }

  private static boolean anyMatches(String signatures, byte[] expected) {
    boolean matched = false;
    int seen = 0;
    for (String entry : signatures.trim().split("\\s+")) {
      if (++seen > MAX_SIGNATURES) {
        break;
      }
      int comma = entry.indexOf(',');
      if (comma < 0 || !VERSION.equals(entry.substring(0, comma))) {
        continue; // another scheme (v1a, a future v2): not ours to check
      }
      byte[] candidate;
      try {
        candidate = Base64.getDecoder().decode(entry.substring(comma + 1));
      } catch (IllegalArgumentException e) {
        continue;
      }
      // No early exit: every entry costs the same whether or not an earlier one matched.
      matched |= MessageDigest.isEqual(expected, candidate);
    }
    return matched;
  }

  private static byte[] mac(String id, String timestamp, byte[] body, byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static byte[] key(String secret) {
    if (isBlank(secret)) {
      throw new IllegalArgumentException("The webhook secret is blank");
    }
    if (!secret.startsWith(SECRET_PREFIX)) {
      return secret.getBytes(StandardCharsets.UTF_8);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("The webhook secret after whsec_ is not valid base64");
    }
    if (key.length == 0) {
      throw new IllegalArgumentException("The webhook secret after whsec_ is empty");
    }
    return key;
  }

  private static String header(Map<String, String> headers, String name) {
    String value = headers.get(name);
    if (value != null) {
      return value;
    }
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().toLowerCase(Locale.ROOT).equals(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
