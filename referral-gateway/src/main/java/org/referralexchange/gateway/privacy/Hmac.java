package org.referralexchange.gateway.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.referralexchange.gateway.config.GatewayProperties;
import org.springframework.stereotype.Component;

/**
 * Keyed hashes of things the exchange must recognize again without keeping them: an agency's client
 * id becomes a client pseudonym, a request becomes its idempotency fingerprint.
 */
@Component
public class Hmac {

  private final SecretKeySpec key;

  public Hmac(GatewayProperties properties) {
    this.key =
        new SecretKeySpec(properties.hmacSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
  }

  /** The exchange's pseudonym of an agency's client: the same for the same agency and client. */
  public String clientPseudonym(String agencyId, String clientId) {
    return "cl-" + hex("client\u0000" + agencyId + "\u0000" + clientId).substring(0, 32);
  }

  /** The fingerprint of a request body as the gateway normalized it. */
  public String fingerprint(String agencyId, byte[] normalizedRequest) {
    Mac mac = mac();
    mac.update(("request\u0000" + agencyId + "\u0000").getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(mac.doFinal(normalizedRequest));
  }

  private String hex(String value) {
    return HexFormat.of().formatHex(mac().doFinal(value.getBytes(StandardCharsets.UTF_8)));
  }

  private Mac mac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
