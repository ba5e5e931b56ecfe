package org.referralexchange.adapter.provider.webhook;

import java.util.Optional;
import org.referralexchange.adapter.provider.ProviderSettings;

/**
 * How the callback finds the provider that claims to be calling. The core owns provider
 * configuration and implements it.
 */
public interface WebhookProviders {

  /**
   * The provider with this exchange id, if configured. A provider of another kind is treated as
   * unknown by the callback, so a FHIR provider's bearer token never serves as a webhook secret.
   */
  Optional<ProviderSettings> find(String providerId);
}
