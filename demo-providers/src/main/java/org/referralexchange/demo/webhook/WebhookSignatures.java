package org.referralexchange.demo.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The provider's side of <a href="https://www.standardwebhooks.com/">Standard Webhooks</a>
 * signatures: the {@code webhook-signature} header is {@code v1,} followed by the base64
 * HMAC-SHA256 of {@code <webhook-id>.<webhook-timestamp>.<body>}, the timestamp in Unix seconds.
 *
 * <p>The key is the base64-decoded part after {@code whsec_}; a secret without that prefix is used
 * as its UTF-8 bytes, as the exchange does.
 */
public final class WebhookSignatures {

  /** Header names. */
  public static final String ID = "webhook-id";

  public static final String TIMESTAMP = "webhook-timestamp";
  public static final String SIGNATURE = "webhook-signature";

  /** How far a timestamp may be from the receiver's clock, either way. */
  public static final Duration TOLERANCE = Duration.ofMinutes(5);

  private static final String PREFIX = "whsec_";
  private static final String HMAC_SHA256 = "HmacSHA256";

  private WebhookSignatures() {}

  /** The {@code webhook-signature} value for these bytes: {@code v1,<base64>}. */
  public static String sign(String id, long timestampSeconds, byte[] body, String secret) {
    byte[] mac = hmac(key(secret), id + "." + timestampSeconds + ".", body);
    return "v1," + Base64.getEncoder().encodeToString(mac);
  }

  /**
   * Whether the headers carry a valid {@code v1} signature of the body (one of several
   * space-separated entries is enough) and a timestamp within {@link #TOLERANCE} of {@code now}.
   * Missing or malformed headers are simply not valid.
   */
  public static boolean verify(
      String id, String timestamp, String signatures, byte[] body, String secret, Instant now) {
    if (id == null || timestamp == null || signatures == null || body == null) {
      return false;
    }
    long seconds;
    try {
      seconds = Long.parseLong(timestamp.trim());
    } catch (NumberFormatException e) {
      return false;
    }
    byte[] expected = hmac(key(secret), id + "." + timestamp.trim() + ".", body);
    boolean matches = false;
    for (String entry : signatures.trim().split("\\s+")) {
      if (!entry.startsWith("v1,")) {
        continue;
      }
      try {
        byte[] given = Base64.getDecoder().decode(entry.substring(3));
        matches |= MessageDigest.isEqual(expected, given);
      } catch (IllegalArgumentException e) {
        // not base64: not a match
      }
    }
    if (!matches) {
      return false;
    }
    Instant sent = Instant.ofEpochSecond(seconds);
    return !sent.isBefore(now.minus(TOLERANCE)) && !sent.isAfter(now.plus(TOLERANCE));
  }

  private static byte[] key(String secret) {
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("The webhook secret is blank");
    }
    if (secret.startsWith(PREFIX)) {
      byte[] key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
      if (key.length == 0) {
        throw new IllegalArgumentException("The webhook secret after whsec_ is empty");
      }
      return key;
    }
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] hmac(byte[] key, String prefix, byte[] body) {
    try {
      Mac mac = Mac.getInstance(HMAC_SHA256);
      mac.init(new SecretKeySpec(key, HMAC_SHA256));
      mac.update(prefix.getBytes(StandardCharsets.UTF_8));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
