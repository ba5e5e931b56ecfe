package org.referralexchange.adapter.provider.fhir;

import static org.referralexchange.adapter.provider.fhir.FhirClients.call;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Organization;
import org.referralexchange.adapter.provider.ProviderSettings;

/** Finds each provider's own Organization at its server once, so a delivery can point at it. */
final class ProviderOrganizations {

  /** Each provider's own Organization as found at its server, by provider and server. */
  private final ConcurrentMap<OrganizationKey, String> organizations = new ConcurrentHashMap<>();

  /**
   * The literal reference of the provider's own Organization: as configured, else as found by the
   * exchange's provider identifier at its server (kept per provider and server, since it does not
   * move), else null, and the transaction creates it conditionally.
   */
  String reference(ProviderSettings provider, IGenericClient client, String referralId) {
    if (provider.organization() != null && !provider.organization().isBlank()) {
      return provider.organization();
    }
    if (provider.id() == null || provider.id().isBlank()) {
      return null;
    }
    OrganizationKey key = new OrganizationKey(provider.id(), String.valueOf(provider.endpoint()));
    String known = organizations.get(key);
    if (known != null) {
      return known;
    }
    Bundle found =
        call(
            provider,
            "deliver",
            referralId,
            () ->
                client
                    .search()
                    .forResource(Organization.class)
                    .where(
                        Organization.IDENTIFIER
                            .exactly()
                            .systemAndCode(FhirCodes.PROVIDER_ID, provider.id()))
                    .returnBundle(Bundle.class)
                    .execute());
    Optional<String> reference =
        found.getEntry().stream()
            .map(Bundle.BundleEntryComponent::getResource)
            .filter(Organization.class::isInstance)
            .map(resource -> "Organization/" + resource.getIdElement().getIdPart())
            .findFirst();
    reference.ifPresent(value -> organizations.put(key, value));
    return reference.orElse(null);
  }

  private record OrganizationKey(String providerId, String base) {}
}
