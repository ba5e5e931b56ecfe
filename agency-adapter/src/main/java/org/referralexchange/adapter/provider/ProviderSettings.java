package org.referralexchange.adapter.provider;

import java.net.URI;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One provider as configured ({@code adapter.providers[]}).
 *
 * @param id exchange identifier of the provider (HSDS organization)
 * @param name display name
 * @param kind which {@link ProviderAdapter} serves it
 * @param endpoint base URL of its system (FHIR base, webhook URL)
 * @param secret credential: the webhook signing secret, or a bearer token for FHIR; never logged
 * @param allowedFields the client fields this provider may receive (minimum necessary), by the
 *     names in {@link OutboundReferral.Client}
 * @param zone the provider's time zone
 * @param opensAt start of its business day
 * @param closesAt end of its business day
 * @param responseWindow how much business time it has to answer a referral with no respondBy
 * @param grace how long after respondBy (business time) before the referral is returned
 * @param pollInterval how often a pull-based provider is asked for news
 * @param enabled whether referrals are delivered to it
 * @param services the services it offers, with their names and codes
 * @param organization the literal reference of its own Organization on its FHIR server ({@code
 *     Organization/123}); null to find it by the exchange's provider identifier
 * @param contact how a case manager reaches it; null when not configured
 * @param holidays dates it is closed although they fall on a business day (its time zone)
 */
public record ProviderSettings(
    String id,
    String name,
    String kind,
    URI endpoint,
    String secret,
    Set<String> allowedFields,
    ZoneId zone,
    LocalTime opensAt,
    LocalTime closesAt,
    Duration responseWindow,
    Duration grace,
    Duration pollInterval,
    boolean enabled,
    List<ServiceOffering> services,
    String organization,
    Contact contact,
    Set<LocalDate> holidays) {

  public ProviderSettings {
    services = services == null ? List.of() : List.copyOf(services);
    holidays = holidays == null ? Set.of() : Set.copyOf(holidays);
  }

  /** Settings with no services, organization, contact or holidays configured (tests). */
  public ProviderSettings(
      String id,
      String name,
      String kind,
      URI endpoint,
      String secret,
      Set<String> allowedFields,
      ZoneId zone,
      LocalTime opensAt,
      LocalTime closesAt,
      Duration responseWindow,
      Duration grace,
      Duration pollInterval,
      boolean enabled) {
    this(
        id,
        name,
        kind,
        endpoint,
        secret,
        allowedFields,
        zone,
        opensAt,
        closesAt,
        responseWindow,
        grace,
        pollInterval,
        enabled,
        List.of(),
        null,
        null,
        Set.of());
  }

  /** The configured service with this id, if any. */
  public Optional<ServiceOffering> service(String serviceId) {
    return services.stream().filter(s -> s.id().equals(serviceId)).findFirst();
  }

  /**
   * One service a provider offers (HSDS {@code service}).
   *
   * @param id the exchange's service id, as referrals name it
   * @param name what people call it, used in messages and pages
   * @param code its SNOMED CT code, sent as {@code ServiceRequest.code}; null when none is known
   * @param display the SNOMED CT display for {@code code}
   */
  public record ServiceOffering(String id, String name, String code, String display) {}

  /**
   * How a case manager reaches the provider.
   *
   * @param phone a phone number, or null
   * @param email an email address, or null
   * @param website a web address, or null
   */
  public record Contact(String phone, String email, String website) {}

  @Override
  public String toString() {
    return "ProviderSettings[" + id + ", " + kind + ", " + endpoint + "]";
  }
}
