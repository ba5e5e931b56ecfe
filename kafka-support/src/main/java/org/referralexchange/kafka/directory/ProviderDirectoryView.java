package org.referralexchange.kafka.directory;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ListedService;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.kafka.EventView;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;

/**
 * The latest entry of each provider on the compacted {@code provider.directory} topic. A service
 * that needs it declares it as a bean; its event log then reads the topic, and readiness (the log
 * caught up) includes it. A tombstone removes an entry (an operator's clean-up); adapters
 * themselves publish {@code served=false} instead, so old referrals can still be named.
 */
public class ProviderDirectoryView implements EventView {

  private final Map<String, ProviderListed> byId = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.PROVIDER_DIRECTORY);
  }

  /** An entry must be filed under its own provider id. */
  @Override
  public PolicyDecision check(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ProviderListed listed && !listed.getProviderId().equals(key)) {
      return PolicyDecision.rejected(
          "directory-key-mismatch", "the record key is not the listed provider id");
    }
    return PolicyDecision.allowed();
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event == null) {
      if (byId.remove(key) != null) {
        version.incrementAndGet();
      }
    } else if (event instanceof ProviderListed listed) {
      ProviderListed before = byId.put(key, listed);
      if (!listed.equals(before)) {
        version.incrementAndGet();
      }
    }
  }

  /** The provider's entry, served or not. */
  public Optional<ProviderListed> find(String providerId) {
    return Optional.ofNullable(byId.get(providerId));
  }

  /** The provider's entry if some adapter delivers referrals to it now. */
  public Optional<ProviderListed> served(String providerId) {
    return find(providerId).filter(ProviderListed::getServed);
  }

  /** Every entry, served or not. */
  public Collection<ProviderListed> all() {
    return List.copyOf(byId.values());
  }

  /** Whether any provider is served at all. */
  public boolean anyServed() {
    return byId.values().stream().anyMatch(ProviderListed::getServed);
  }

  /** The provider's name, or its id when the directory does not know it. */
  public String providerName(String providerId) {
    return find(providerId).map(ProviderListed::getName).orElse(providerId);
  }

  /** The service's name as its provider lists it, if listed. */
  public Optional<String> serviceName(String providerId, String serviceId) {
    return find(providerId).flatMap(p -> service(p, serviceId)).map(ListedService::getName);
  }

  /** The listed service with this id. */
  public static Optional<ListedService> service(ProviderListed provider, String serviceId) {
    return provider.getServices().stream().filter(s -> s.getId().equals(serviceId)).findFirst();
  }

  /** Grows with every change, so a reader can tell whether anything happened since it looked. */
  public long version() {
    return version.get();
  }
}
