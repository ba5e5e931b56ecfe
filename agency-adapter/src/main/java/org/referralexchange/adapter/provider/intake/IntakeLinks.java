package org.referralexchange.adapter.provider.intake;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Issues and verifies intake links. A link token is {@code <payload>.<mac>}, both base64url: the
 * payload names the link, provider, referral and expiry; the MAC is HMAC-SHA256 over a domain
 * prefix and the payload with the configured secret, compared in constant time. The secret never
 * travels; nothing in the token is client data. The same key signs form tokens ({@link
 * #formToken}), under another prefix so neither can stand for the other.
 */
@Component
class IntakeLinks {

  private static final String LINK_PREFIX = "intake-link.v1.";
  private static final String FORM_PREFIX = "intake-form.v1.";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,1024}\\.[A-Za-z0-9_-]{43}");

  private final byte[] key;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /**
   * Without a usable secret nothing can be issued and every token reads as forged; a provider of
   * this kind then stops the start-up ({@link EmailIntakeAdapter#settingsProblems}), so an adapter
   * with no such provider needs no secret.
   */
  IntakeLinks(IntakeProperties properties, Clock clock) {
    String secret = properties.linkSecret();
    this.key =
        secret == null || secret.length() < IntakeProperties.MINIMUM_SECRET_LENGTH
            ? null
            : secret.getBytes(StandardCharsets.UTF_8);
    this.clock = clock;
  }

  /** Why links cannot be signed, or null when they can. */
  String problem() {
    return key == null
        ? "adapter.intake.link-secret (ADAPTER_INTAKE_LINK_SECRET) must hold at least "
            + IntakeProperties.MINIMUM_SECRET_LENGTH
            + " characters"
        : null;
  }

  /** A fresh link to one referral for one provider, valid from now for {@code lifetime}. */
  String issue(String providerId, String referralId, java.time.Duration lifetime) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    IntakeLink link =
        new IntakeLink(
            B64.encodeToString(id),
            providerId,
            referralId,
            clock.instant().plus(lifetime).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    String payload =
        B64.encodeToString(
            String.join(
                    "\n",
                    "1",
                    link.linkId(),
                    link.providerId(),
                    link.referralId(),
                    Long.toString(link.expiresAt().getEpochSecond()))
                .getBytes(StandardCharsets.UTF_8));
    return payload + "." + B64.encodeToString(mac(LINK_PREFIX + payload));
  }

  /** What the token proves, checked in this order: signed by us, then not expired. */
  Verification verify(String token) {
    if (key == null || token == null || !TOKEN.matcher(token).matches()) {
      return new Verification.Forged();
    }
    int dot = token.indexOf('.');
    String payload = token.substring(0, dot);
    String signature = token.substring(dot + 1);
    byte[] given = UNB64.decode(signature);
    // The decoder ignores the last character's two unused bits: four spellings of one MAC would
    // open the page. Only the spelling we issue does.
    if (!MessageDigest.isEqual(mac(LINK_PREFIX + payload), given)
        || !B64.encodeToString(given).equals(signature)) {
      return new Verification.Forged();
    }
    String[] parts = new String(UNB64.decode(payload), StandardCharsets.UTF_8).split("\n", -1);
    if (parts.length != 5 || !parts[0].equals("1")) {
      return new Verification.Forged(); // signed by us, but not a form we issue: treat as forged
    }
    IntakeLink link;
    try {
      link =
          new IntakeLink(
              parts[1], parts[2], parts[3], Instant.ofEpochSecond(Long.parseLong(parts[4])));
    } catch (NumberFormatException e) {
      return new Verification.Forged();
    }
    return clock.instant().isBefore(link.expiresAt())
        ? new Verification.Valid(link)
        : new Verification.Expired(link);
  }

  /**
   * The token a form must carry back: bound to the link and to the browser's random form cookie
   * (OWASP's signed double-submit cookie), so a page of another site can post neither.
   */
  String formToken(IntakeLink link, String browserNonce) {
    return B64.encodeToString(mac(FORM_PREFIX + link.linkId() + "." + browserNonce));
  }

  boolean formTokenMatches(IntakeLink link, String browserNonce, String given) {
    if (key == null || browserNonce == null || given == null) {
      return false;
    }
    return MessageDigest.isEqual(
        formToken(link, browserNonce).getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII));
  }

  /** A random value for the browser's form cookie. */
  String newNonce() {
    byte[] nonce = new byte[24];
    random.nextBytes(nonce);
    return B64.encodeToString(nonce);
  }

  private byte[] mac(String data) {
    if (key == null) {
      throw new IllegalStateException(problem());
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  /** The outcome of checking a token. */
  sealed interface Verification {
    /** Signed by us and not expired. */
    record Valid(IntakeLink link) implements Verification {}

    /** Signed by us, but past its expiry. */
    record Expired(IntakeLink link) implements Verification {}

    /** Not a token we signed (altered, truncated, made up, or signed with another secret). */
    record Forged() implements Verification {}
  }
}
