package org.referralexchange.adapter.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.adapter.clock.BusinessHours;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.validation.annotation.Validated;

/**
 * Everything the adapter is configured with, under {@code adapter.*}.
 *
 * @param providers the provider registry
 * @param encryption where the keyset that opens client data comes from (the gateway's keyset)
 * @param minimumPollInterval the shortest poll interval a provider may have (Gravity: not more
 *     often than every 15 minutes; shorter only for tests and demos)
 * @param tickInterval how often the adapter looks for deliveries, polls and overdue referrals
 * @param delivery how deliveries are retried
 */
@Validated
@ConfigurationProperties("adapter")
public record AdapterProperties(
    @NotEmpty @Valid List<Provider> providers,
    @NotNull @Valid Encryption encryption,
    @NotNull Duration minimumPollInterval,
    @NotNull Duration tickInterval,
    @NotNull @Valid Delivery delivery) {

  /**
   * One provider of the registry.
   *
   * @param id exchange identifier (HSDS organization)
   * @param name display name
   * @param kind the {@code ProviderAdapter} kind: {@code fhir}, {@code webhook} or {@code
   *     email-intake}
   * @param endpoint base URL of its system
   * @param secret webhook signing secret or FHIR bearer token (from the environment)
   * @param allowedFields client fields it may receive (minimum necessary); {@code narrative} for
   *     free text
   * @param serviceCategories categories of service it provides (consents naming a class)
   * @param timeZone its time zone
   * @param opensAt start of its business day
   * @param closesAt end of its business day
   * @param businessDays its working days (default Monday to Friday)
   * @param responseWindow business time it has to answer when a referral names no respondBy
   * @param grace business time after respondBy before the referral returns to the case manager
   * @param pollInterval how often it is polled (pull-based kinds)
   * @param enabled whether referrals are delivered to it
   * @param services the services it offers (id, name, SNOMED CT code)
   * @param organization literal reference of its own Organization on its FHIR server; empty to find
   *     it by the exchange's provider identifier
   * @param contact how a case manager reaches it
   * @param holidays dates (in its time zone) it is closed although they fall on a business day,
   *     e.g. {@code holidays: [2026-12-25, 2027-01-01]}; the response clock skips them
   * @param treatingProvider whether it treats clients (health care): published on its directory
   *     entry, it is what puts it in a Part 2 consent's class of recipients (42 CFR
   *     2.31(a)(4)(ii)(B)); false unless configured
   */
  public record Provider(
      @NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9-]{1,62}") String id,
      @NotBlank String name,
      @NotBlank String kind,
      @NotNull URI endpoint,
      String secret,
      Set<String> allowedFields,
      Set<String> serviceCategories,
      @NotNull ZoneId timeZone,
      @NotNull LocalTime opensAt,
      @NotNull LocalTime closesAt,
      Set<DayOfWeek> businessDays,
      @NotNull Duration responseWindow,
      @NotNull Duration grace,
      @NotNull Duration pollInterval,
      boolean enabled,
      @Valid List<Service> services,
      String organization,
      ProviderSettings.Contact contact,
      Set<LocalDate> holidays,
      boolean treatingProvider) {

    /** A provider with no services, organization, contact or holidays configured. */
    public Provider(
        String id,
        String name,
        String kind,
        URI endpoint,
        String secret,
        Set<String> allowedFields,
        Set<String> serviceCategories,
        ZoneId timeZone,
        LocalTime opensAt,
        LocalTime closesAt,
        Set<DayOfWeek> businessDays,
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
          serviceCategories,
          timeZone,
          opensAt,
          closesAt,
          businessDays,
          responseWindow,
          grace,
          pollInterval,
          enabled,
          List.of(),
          null,
          null,
          Set.of(),
          false);
    }

    @ConstructorBinding
    public Provider {
      services = services == null ? List.of() : List.copyOf(services);
      organization = organization == null || organization.isBlank() ? null : organization;
      allowedFields = allowedFields == null ? Set.of() : Set.copyOf(allowedFields);
      serviceCategories = serviceCategories == null ? Set.of() : Set.copyOf(serviceCategories);
      businessDays =
          businessDays == null || businessDays.isEmpty()
              ? EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY)
              : EnumSet.copyOf(businessDays);
      holidays = holidays == null ? Set.of() : Set.copyOf(holidays);
    }

    /** Its working week and holidays, in which its response clock counts. */
    public BusinessHours businessHours() {
      return new BusinessHours(timeZone, opensAt, closesAt, businessDays, holidays);
    }

    /** What a {@code ProviderAdapter} is given. */
    public ProviderSettings settings() {
      return new ProviderSettings(
          id,
          name,
          kind,
          endpoint,
          secret == null ? "" : secret,
          allowedFields,
          timeZone,
          opensAt,
          closesAt,
          responseWindow,
          grace,
          pollInterval,
          enabled,
          services.stream()
              .map(
                  s ->
                      new ProviderSettings.ServiceOffering(s.id(), s.name(), s.code(), s.display()))
              .toList(),
          organization,
          contact,
          holidays);
    }

    @Override
    public String toString() {
      return "Provider[" + id + ", " + kind + ", " + endpoint + "]";
    }
  }

  /**
   * One service a provider offers.
   *
   * @param id the exchange's service id, as referrals name it
   * @param name what people call it
   * @param code its SNOMED CT code for {@code ServiceRequest.code}
   * @param display the SNOMED CT display for the code
   */
  public record Service(
      @NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9-]{1,62}") String id,
      @NotBlank String name,
      @Pattern(regexp = "[0-9]{6,18}") String code,
      String display) {}

  /** A cleartext Tink keyset file or the keyset JSON; exactly one. */
  public record Encryption(Optional<String> keysetFile, Optional<String> keysetJson) {
    public Encryption {
      keysetFile = keysetFile == null ? Optional.empty() : keysetFile.filter(s -> !s.isBlank());
      keysetJson = keysetJson == null ? Optional.empty() : keysetJson.filter(s -> !s.isBlank());
    }
  }

  /**
   * Retries of a delivery to a provider that is down: exponential backoff per provider, so one slow
   * provider never holds up another.
   *
   * @param attempts attempts before the referral fails with reason {@code delivery-failed}
   * @param initialBackoff wait after the first failure
   * @param multiplier growth of the wait after each failure
   * @param maxBackoff longest wait
   * @param concurrency deliveries to the provider in flight at once per provider
   * @param unacknowledgedLimit {@code ReferralDelivered} events per provider sent but not yet
   *     acknowledged by the broker, at most; a delivery waits for room before it publishes
   * @param consentWait how long a referral waits for the consent it names to be read here before it
   *     is cancelled as {@code consent-not-found}: the gateway recorded the consent before the
   *     referral, but the two live on different topics, so this instance may read them in either
   *     order (certainly when their partitions have leaders on different brokers)
   */
  public record Delivery(
      @Min(1) int attempts,
      @NotNull Duration initialBackoff,
      @DecimalMin("1.0") double multiplier,
      @NotNull Duration maxBackoff,
      @Min(1) int concurrency,
      @Min(1) int unacknowledgedLimit,
      @NotNull Duration consentWait) {}
}
