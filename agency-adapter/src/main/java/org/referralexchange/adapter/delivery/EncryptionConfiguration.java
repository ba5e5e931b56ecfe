package org.referralexchange.adapter.delivery;

import java.nio.file.Path;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.envelope.EnvelopeCipher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The cipher that opens client data: the same keyset the gateway seals with. */
@Configuration(proxyBeanMethods = false)
class EncryptionConfiguration {

  @Bean
  EnvelopeCipher clientDataCipher(AdapterProperties properties) {
    AdapterProperties.Encryption encryption = properties.encryption();
    if (encryption.keysetJson().isPresent()) {
      return EnvelopeCipher.fromKeysetJson(encryption.keysetJson().get());
    }
    if (encryption.keysetFile().isPresent()) {
      return EnvelopeCipher.fromKeysetFile(Path.of(encryption.keysetFile().get()));
    }
    throw new IllegalStateException(
        "No keyset to open client data: set adapter.encryption.keyset-file (ADAPTER_KEYSET_FILE)"
            + " or adapter.encryption.keyset-json (ADAPTER_KEYSET_JSON), the gateway's keyset.");
  }
}
