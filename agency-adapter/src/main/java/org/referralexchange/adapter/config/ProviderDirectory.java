package org.referralexchange.adapter.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.referralexchange.adapter.provider.ProviderAdapter;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.fhir.FhirProviders;
import org.referralexchange.adapter.provider.webhook.WebhookProviders;
import org.springframework.stereotype.Component;

/**
 * The configured providers, each paired with the adapter of its kind. Start-up fails, naming the
 * provider, when a kind has no adapter or a poll interval is shorter than allowed.
 */
@Component
public class ProviderDirectory implements WebhookProviders, FhirProviders {

  private final Map<String, AdapterProperties.Provider> providers;
  private final Map<String, ProviderAdapter> adapters;

  ProviderDirectory(AdapterProperties properties, List<ProviderAdapter> adapters) {
    this.adapters =
        adapters.stream().collect(Collectors.toMap(ProviderAdapter::kind, Function.identity()));
    this.providers =
        properties.providers().stream()
            .collect(Collectors.toMap(AdapterProperties.Provider::id, Function.identity()));
    List<String> problems = new ArrayList<>();
    for (AdapterProperties.Provider provider : properties.providers()) {
      if (!this.adapters.containsKey(provider.kind())) {
        problems.add(
            "provider "
                + provider.id()
                + " has kind '"
                + provider.kind()
                + "' but the adapter knows "
                + this.adapters.keySet());
      }
      ProviderAdapter adapter = this.adapters.get(provider.kind());
      if (adapter != null && provider.enabled()) {
        for (String problem : adapter.settingsProblems(provider.settings())) {
          problems.add("provider " + provider.id() + ": " + problem);
        }
      }
      if (provider.pollInterval().compareTo(properties.minimumPollInterval()) < 0) {
        problems.add(
            "provider "
                + provider.id()
                + " would be polled every "
                + provider.pollInterval()
                + ", more often than adapter.minimum-poll-interval "
                + properties.minimumPollInterval());
      }
    }
    if (providers.size() != properties.providers().size()) {
      problems.add("provider ids must be unique");
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("Invalid provider registry: " + String.join("; ", problems));
    }
  }

  public Optional<AdapterProperties.Provider> provider(String id) {
    return Optional.ofNullable(providers.get(id));
  }

  public List<AdapterProperties.Provider> all() {
    return List.copyOf(providers.values());
  }

  public ProviderAdapter adapterFor(AdapterProperties.Provider provider) {
    return adapters.get(provider.kind());
  }

  @Override
  public List<ProviderSettings> fhirProviders() {
    return providers.values().stream()
        .filter(p -> p.enabled() && p.kind().equals("fhir"))
        .map(AdapterProperties.Provider::settings)
        .toList();
  }

  @Override
  public Optional<ProviderSettings> find(String providerId) {
    return provider(providerId)
        .filter(p -> p.kind().equals("webhook"))
        .map(AdapterProperties.Provider::settings);
  }
}
