package org.referralexchange.adapter.disclosure;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.config.ProviderDirectory;
import org.referralexchange.events.v1.DisclosureKind;
import org.referralexchange.events.v1.DisclosurePath;
import org.referralexchange.events.v1.DisclosureRecorded;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Records each disclosure a provider acknowledged on {@code consent.disclosures}, keyed by the
 * client's pseudonym. Built only from the submission's plain fields (ids, categories, purpose) and
 * the adapter's provider list: the sealed client block is never opened here, so no content can
 * reach the accounting. The event id derives from the referral and the kind: a disclosure already
 * on the topic is not published again, and one published twice in a race (two instances during a
 * handover) is one entry to every reader.
 */
@Component
public class Disclosures {

  private final DisclosureLedger ledger;
  private final EventPublisher publisher;
  private final ProviderDirectory providers;

  Disclosures(DisclosureLedger ledger, EventPublisher publisher, ProviderDirectory providers) {
    this.ledger = ledger;
    this.publisher = publisher;
    this.providers = providers;
  }

  /**
   * Records that the provider's system took the referral. Completes at once when it is already
   * recorded, else when the broker acknowledged it; fails when it did not.
   */
  public CompletableFuture<Void> delivered(ReferralSubmitted submitted, Instant at) {
    DisclosureRecorded event = event(submitted, DisclosureKind.DELIVERED, at, null);
    if (ledger.contains(event.getEventId())) {
      return CompletableFuture.completedFuture(null);
    }
    return publisher
        .publishAsync(Topics.CONSENT_DISCLOSURES, event.getClientPseudonym(), event)
        .thenApply(acknowledged -> null);
  }

  /**
   * Records that the provider was told to withdraw the referral, with the reason's code; returns
   * once the broker acknowledged it.
   *
   * @throws org.referralexchange.kafka.BrokerUnavailableException when it did not
   */
  public void withdrawn(ReferralSubmitted submitted, String reasonCode, Instant at) {
    DisclosureRecorded event = event(submitted, DisclosureKind.WITHDRAWN, at, reasonCode);
    if (!ledger.contains(event.getEventId())) {
      publisher.publish(Topics.CONSENT_DISCLOSURES, event.getClientPseudonym(), event);
    }
  }

  /**
   * Whether the withdrawal of this referral is on the accounting already (done before a restart).
   */
  public boolean withdrawalRecorded(String referralId) {
    return ledger.contains(eventId(referralId, DisclosureKind.WITHDRAWN));
  }

  private DisclosureRecorded event(
      ReferralSubmitted submitted, DisclosureKind kind, Instant at, String reasonCode) {
    String providerId = submitted.getTarget().getProviderId();
    Optional<AdapterProperties.Provider> provider = providers.provider(providerId);
    return DisclosureRecorded.newBuilder()
        .setEventId(eventId(submitted.getReferralId(), kind))
        .setOccurredAt(at)
        .setClientPseudonym(submitted.getClient().getClientPseudonym())
        .setDisclosingAgencyId(submitted.getReferrer().getAgencyId())
        .setReferralId(submitted.getReferralId())
        .setConsentId(submitted.getConsent().getConsentId())
        .setProviderId(providerId)
        .setProviderName(provider.map(AdapterProperties.Provider::name).orElse(providerId))
        .setInformationCategories(submitted.getConsent().getInformationCategories())
        .setPurpose(submitted.getConsent().getPurpose())
        .setKind(kind)
        .setPath(path(provider.map(AdapterProperties.Provider::kind).orElse("")))
        .setReasonCode(reasonCode)
        .build();
  }

  private static DisclosurePath path(String kind) {
    return switch (kind.toLowerCase(Locale.ROOT)) {
      case "fhir" -> DisclosurePath.FHIR;
      case "email-intake" -> DisclosurePath.EMAIL_INTAKE;
      case "webhook" -> DisclosurePath.WEBHOOK;
      default -> DisclosurePath.UNKNOWN;
    };
  }

  static UUID eventId(String referralId, DisclosureKind kind) {
    return UUID.nameUUIDFromBytes(
        ("disclosure\u0000" + kind.name() + "\u0000" + referralId)
            .getBytes(StandardCharsets.UTF_8));
  }
}
