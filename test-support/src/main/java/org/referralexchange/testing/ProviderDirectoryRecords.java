package org.referralexchange.testing;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.referralexchange.events.v1.ListedService;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.schemas.Topics;

/**
 * Lists providers on {@code provider.directory} as an adapter would, for tests of services that
 * read the directory (the gateway, the notifier) without running an adapter.
 */
public final class ProviderDirectoryRecords {

  /** The adapter id test entries are listed under. */
  public static final String TEST_ADAPTER = "test-adapter";

  private ProviderDirectoryRecords() {}

  /**
   * The entry of a served provider.
   *
   * @param services service id to service name, in order
   */
  public static ProviderListed served(
      String providerId, String name, List<String> categories, Map<String, String> services) {
    return ProviderListed.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(Instant.now())
        .setProviderId(providerId)
        .setName(name)
        .setKind("webhook")
        .setServiceCategories(categories)
        .setServices(
            services.entrySet().stream()
                .map(
                    e -> ListedService.newBuilder().setId(e.getKey()).setName(e.getValue()).build())
                .toList())
        .setServed(true)
        .setAdapterId(TEST_ADAPTER)
        .build();
  }

  /** Publishes an entry (acknowledged by the broker before this returns). */
  public static void publish(ProviderListed entry) {
    ExchangeInfrastructure.createExchangeTopics();
    ExchangeInfrastructure.publish(Topics.PROVIDER_DIRECTORY, entry.getProviderId(), entry);
  }

  /**
   * Lists the three providers the demo configuration names (the two the demo adapter serves, and
   * {@code lakeside-recovery} as served too), so tests that used the gateway's former provider list
   * find the same providers and services.
   */
  public static void publishDemoProviders() {
    ExchangeInfrastructure.createExchangeTopics();
    publishDemoProviders(ExchangeInfrastructure.bootstrapServers());
  }

  /** The same on another broker, whose directory topic exists already. */
  public static void publishDemoProviders(String bootstrapServers) {
    java.util.function.Consumer<ProviderListed> publish =
        entry ->
            ExchangeInfrastructure.publish(
                bootstrapServers, Topics.PROVIDER_DIRECTORY, entry.getProviderId(), entry);
    publish.accept(
        served(
            "northside-food-bank",
            "Northside Food Bank",
            List.of("food"),
            ordered(
                "emergency-groceries",
                "Emergency groceries",
                "home-delivered-meals",
                "Home-delivered meals")));
    publish.accept(
        served(
            "riverside-housing",
            "Riverside Housing Program",
            List.of("housing"),
            ordered("rapid-rehousing", "Rapid re-housing", "shelter-bed", "Shelter bed")));
    publish.accept(
        served(
            "lakeside-recovery",
            "Lakeside Recovery Center",
            List.of("substance-use-treatment", "mental-health"),
            ordered("outpatient-treatment", "Outpatient treatment", "counseling", "Counseling")));
  }

  private static Map<String, String> ordered(String... idsAndNames) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < idsAndNames.length; i += 2) {
      map.put(idsAndNames[i], idsAndNames[i + 1]);
    }
    return map;
  }
}
