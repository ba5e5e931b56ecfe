package org.referralexchange.adapter.provider.fhir;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Topic-based subscriptions to FHIR providers' Tasks ({@code adapter.fhir-subscriptions}).
 *
 * @param enabled the global switch; off, every FHIR provider is polled only
 * @param disabledProviders provider ids never subscribed to, whatever their server offers
 * @param checkInterval how often a provider's CapabilityStatement and Subscription are checked
 *     again (a Subscription the server dropped or put in error is made again)
 * @param retryInterval how soon a check that failed (server down, refused) is tried again
 */
@Validated
@ConfigurationProperties("adapter.fhir-subscriptions")
public record FhirSubscriptionProperties(
    @DefaultValue("true") boolean enabled,
    Set<String> disabledProviders,
    @DefaultValue("PT15M") @NotNull Duration checkInterval,
    @DefaultValue("PT1M") @NotNull Duration retryInterval) {

  public FhirSubscriptionProperties {
    disabledProviders = disabledProviders == null ? Set.of() : Set.copyOf(disabledProviders);
  }

  /** Whether this provider may be subscribed to. */
  public boolean appliesTo(String providerId) {
    return enabled && !disabledProviders.contains(providerId);
  }
}
