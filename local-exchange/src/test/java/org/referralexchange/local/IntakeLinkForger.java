package org.referralexchange.local;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs intake links with a run's secret ({@link AdapterComponent#intakeLinkSecret}) in the
 * adapter's documented format, as its IntakeFlowTests does: payload {@code
 * 1\n<linkId>\n<providerId>\n<referralId>\n<expiry epoch s>} in base64url, MAC HMAC-SHA256 over
 * {@code intake-link.v1.<payload>}. For links the adapter must refuse though it signed them:
 * expired without waiting a week, or for another provider.
 */
final class IntakeLinkForger {

  private IntakeLinkForger() {}

  static String token(String secret, String providerId, String referralId, Instant expiresAt) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String payload =
        b64.encodeToString(
            String.join(
                    "\n",
                    "1",
                    "test-" + UUID.randomUUID(),
                    providerId,
                    referralId,
                    Long.toString(expiresAt.getEpochSecond()))
                .getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return payload
          + "."
          + b64.encodeToString(
              mac.doFinal(("intake-link.v1." + payload).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
