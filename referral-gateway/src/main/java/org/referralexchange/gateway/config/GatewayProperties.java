package org.referralexchange.gateway.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Everything the gateway is configured with, under {@code gateway.*}. Defaults and environment
 * variables are in {@code referral-gateway.yml}; a bad value stops start-up with a message.
 *
 * @param agencies agencies allowed to call the gateway, each with the SHA-256 of its API keys
 * @param limits request size and rate limits
 * @param hmacSecret key of the HMACs that turn an agency's client id into the exchange's client
 *     pseudonym and a request into its idempotency fingerprint: stable across instances and
 *     restarts, and meaningless to anyone without it; required, with no default outside the local
 *     run, like the keyset
 * @param encryption where the keyset for client data comes from
 */
@Validated
@ConfigurationProperties("gateway")
public record GatewayProperties(
    @NotEmpty @Valid List<Agency> agencies,
    @NotNull @Valid Limits limits,
    @NotBlank(
            message =
                "is not set: set GATEWAY_HMAC_SECRET (gateway.hmac-secret), the same on every"
                    + " instance; make one with: openssl rand -hex 32")
        String hmacSecret,
    @NotNull @Valid Encryption encryption) {

  /**
   * An agency that may call the gateway.
   *
   * @param id exchange identifier, e.g. {@code county-hhs}
   * @param name display name
   * @param apiKeySha256 hex SHA-256 of each API key the agency may use (several during rotation);
   *     the keys themselves are never stored
   * @param providerIds the providers this agency is (as listed in the provider directory): it may
   *     read the referrals sent to them. Access is the gateway's to grant, so it is configured
   *     here, not taken from what an adapter lists.
   * @param timeZone where the agency works (default UTC): an expiry it gives as a date ({@code
   *     expiresOn}) ends with that day here, as the client who signed the form reads it
   */
  public record Agency(
      @NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9-]{1,62}") String id,
      @NotBlank String name,
      List<@Pattern(regexp = "[0-9a-f]{64}") String> apiKeySha256,
      Set<String> providerIds,
      ZoneId timeZone) {

    public Agency {
      apiKeySha256 = apiKeySha256 == null ? List.of() : List.copyOf(apiKeySha256);
      providerIds = providerIds == null ? Set.of() : Set.copyOf(providerIds);
      timeZone = timeZone == null ? ZoneOffset.UTC : timeZone;
    }
  }

  /**
   * Limits that protect the gateway.
   *
   * @param maxRequestBytes larger request bodies are refused with 413
   * @param requestsPerMinute per agency, per gateway instance; more are refused with 429
   */
  public record Limits(@Min(1024) int maxRequestBytes, @Min(1) int requestsPerMinute) {}

  /**
   * Where the Tink keyset that encrypts client data comes from: a file, or the keyset JSON itself
   * (an environment variable in containers). Exactly one is set.
   *
   * @param keysetFile path of a cleartext Tink JSON keyset
   * @param keysetJson the cleartext Tink JSON keyset
   */
  public record Encryption(Optional<String> keysetFile, Optional<String> keysetJson) {
    public Encryption {
      keysetFile = keysetFile == null ? Optional.empty() : keysetFile.filter(s -> !s.isBlank());
      keysetJson = keysetJson == null ? Optional.empty() : keysetJson.filter(s -> !s.isBlank());
    }
  }

  /** The agency with this id. */
  public Optional<Agency> agency(String id) {
    return agencies.stream().filter(a -> a.id().equals(id)).findFirst();
  }
}
