package org.referralexchange.gateway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.referralexchange.gateway.config.GatewayProperties;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;

/**
 * Checks a presented API key against the SHA-256 hashes configured per agency. Every configured
 * hash is compared, in constant time, whether or not an earlier one matched.
 */
final class ApiKeyAuthenticationProvider implements AuthenticationProvider {

  private record KeyHash(String agencyId, byte[] sha256) {}

  private final List<KeyHash> hashes;

  ApiKeyAuthenticationProvider(GatewayProperties properties) {
    HexFormat hex = HexFormat.of();
    this.hashes =
        properties.agencies().stream()
            .flatMap(
                agency ->
                    agency.apiKeySha256().stream()
                        .map(h -> new KeyHash(agency.id(), hex.parseHex(h))))
            .toList();
  }

  @Override
  public Authentication authenticate(Authentication authentication) throws AuthenticationException {
    Object credentials = authentication.getCredentials();
    if (!(credentials instanceof String key) || key.isBlank()) {
      throw new ApiKeyRejectedException(AuthFailure.BAD_API_KEY);
    }
    byte[] presented = sha256(key);
    String match = null;
    for (KeyHash hash : hashes) {
      if (MessageDigest.isEqual(hash.sha256(), presented) && match == null) {
        match = hash.agencyId();
      }
    }
    if (match == null) {
      throw new ApiKeyRejectedException(AuthFailure.BAD_API_KEY);
    }
    return ApiKeyAuthenticationToken.agency(match);
  }

  @Override
  public boolean supports(Class<?> authentication) {
    return ApiKeyAuthenticationToken.class.isAssignableFrom(authentication);
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256", e);
    }
  }
}
