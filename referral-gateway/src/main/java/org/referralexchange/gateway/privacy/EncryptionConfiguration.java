package org.referralexchange.gateway.privacy;

import java.nio.file.Path;
import org.referralexchange.envelope.EnvelopeCipher;
import org.referralexchange.gateway.config.GatewayProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The cipher that seals client identity and free text before they leave the gateway. The keyset
 * comes from a file or from the environment; without one the gateway does not start, because it
 * must never publish client data in clear.
 */
@Configuration(proxyBeanMethods = false)
class EncryptionConfiguration {

  @Bean
  EnvelopeCipher clientDataCipher(GatewayProperties properties) {
    GatewayProperties.Encryption encryption = properties.encryption();
    if (encryption.keysetJson().isPresent()) {
      return EnvelopeCipher.fromKeysetJson(encryption.keysetJson().get());
    }
    if (encryption.keysetFile().isPresent()) {
      return EnvelopeCipher.fromKeysetFile(Path.of(encryption.keysetFile().get()));
    }
    throw new IllegalStateException(
        "No keyset for client data: set gateway.encryption.keyset-file (GATEWAY_KEYSET_FILE) or"
            + " gateway.encryption.keyset-json (GATEWAY_KEYSET_JSON). Generate one with"
            + " org.referralexchange.envelope.EnvelopeKeys generate <file>.");
  }
}
