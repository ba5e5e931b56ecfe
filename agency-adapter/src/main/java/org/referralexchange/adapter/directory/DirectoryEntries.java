package org.referralexchange.adapter.directory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.events.v1.ListedService;
import org.referralexchange.events.v1.ProviderContact;
import org.referralexchange.events.v1.ProviderListed;

/**
 * What the directory should say for this adapter's configuration, and which entries differ from
 * what the topic holds: no Spring, no Kafka, so it reads as the rule it is.
 */
final class DirectoryEntries {

  private DirectoryEntries() {}

  /**
   * The entries to publish: each configured provider as configured (served when enabled), and each
   * entry this adapter listed as served that its configuration no longer has, now not served. An
   * entry equal to the topic's (apart from event id and time) is left out, so restarts add nothing.
   */
  static List<ProviderListed> changes(
      List<AdapterProperties.Provider> configured,
      Iterable<ProviderListed> listed,
      String adapterId,
      Instant now) {
    Map<String, ProviderListed> current =
        java.util.stream.StreamSupport.stream(listed.spliterator(), false)
            .collect(Collectors.toMap(ProviderListed::getProviderId, Function.identity()));
    List<ProviderListed> changes = new java.util.ArrayList<>();
    for (AdapterProperties.Provider provider : configured) {
      ProviderListed wanted = entry(provider, adapterId, now);
      if (!sameContent(wanted, current.get(provider.id()))) {
        changes.add(wanted);
      }
    }
    java.util.Set<String> ids =
        configured.stream().map(AdapterProperties.Provider::id).collect(Collectors.toSet());
    for (ProviderListed entry : current.values()) {
      if (entry.getServed()
          && entry.getAdapterId().equals(adapterId)
          && !ids.contains(entry.getProviderId())) {
        changes.add(
            ProviderListed.newBuilder(entry)
                .setEventId(UUID.randomUUID())
                .setOccurredAt(now)
                .setServed(false)
                .build());
      }
    }
    return changes;
  }

  static ProviderListed entry(AdapterProperties.Provider provider, String adapterId, Instant now) {
    var contact = provider.contact();
    return ProviderListed.newBuilder()
        .setEventId(UUID.randomUUID())
        .setOccurredAt(now)
        .setProviderId(provider.id())
        .setName(provider.name())
        .setKind(provider.kind())
        .setServiceCategories(provider.serviceCategories().stream().sorted().toList())
        .setServices(
            provider.services().stream()
                .map(
                    s ->
                        ListedService.newBuilder()
                            .setId(s.id())
                            .setName(s.name())
                            .setCode(s.code())
                            .setDisplay(s.display())
                            .build())
                .toList())
        .setContact(
            contact == null
                ? null
                : ProviderContact.newBuilder()
                    .setPhone(contact.phone())
                    .setEmail(contact.email())
                    .setWebsite(contact.website())
                    .build())
        .setServed(provider.enabled())
        .setAdapterId(adapterId)
        .setTreatingProvider(provider.treatingProvider())
        .build();
  }

  /** Equal apart from the event id and time. */
  static boolean sameContent(ProviderListed wanted, ProviderListed existing) {
    return existing != null
        && ProviderListed.newBuilder(wanted)
            .setEventId(existing.getEventId())
            .setOccurredAt(existing.getOccurredAt())
            .build()
            .equals(existing);
  }
}
