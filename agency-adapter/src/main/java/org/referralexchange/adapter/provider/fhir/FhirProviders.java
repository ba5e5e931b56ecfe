package org.referralexchange.adapter.provider.fhir;

import java.util.List;
import java.util.Optional;
import org.referralexchange.adapter.provider.ProviderSettings;

/** The configured providers of the {@code fhir} kind, as the subscription side needs them. */
public interface FhirProviders {

  /** Every enabled provider of the {@code fhir} kind. */
  List<ProviderSettings> fhirProviders();

  /** The enabled {@code fhir} provider with this id, if any. */
  default Optional<ProviderSettings> fhirProvider(String providerId) {
    return fhirProviders().stream().filter(p -> p.id().equals(providerId)).findFirst();
  }
}
