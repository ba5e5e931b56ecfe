package org.referralexchange.adapter.provider;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * How the exchange talks to one kind of provider system (a FHIR server, a webhook receiver, …).
 * Implementations are stateless beans; everything about one provider comes in {@link
 * ProviderSettings}. Every call is safe to repeat: the exchange redelivers after crashes and
 * retries after outages.
 *
 * <p>Failures: {@link ProviderUnavailableException} when trying again later may work (connection
 * refused, timeout, HTTP 5xx or 429); {@link ProviderRejectedException} when it will not (HTTP 4xx
 * other than 429, a resource the provider refuses).
 */
public interface ProviderAdapter {

  /** The kind named in configuration ({@code adapter.providers[].kind}), e.g. {@code fhir}. */
  String kind();

  /**
   * What is wrong with a provider's settings for this kind, checked at start-up so that a
   * misconfigured provider stops the adapter instead of failing each delivery or callback later.
   * Messages never contain the secret.
   *
   * @return one line per problem; empty when the settings are usable
   */
  default List<String> settingsProblems(ProviderSettings provider) {
    return List.of();
  }

  /**
   * Puts the referral into the provider's system. Delivering the same referral again creates
   * nothing new and returns the same reference.
   *
   * @return the provider's own reference for the referral (e.g. {@code Task/123})
   */
  DeliveryReceipt deliver(ProviderSettings provider, OutboundReferral referral);

  /** Tells the provider the referral is withdrawn (cancelled by the requester, consent revoked). */
  void withdraw(
      ProviderSettings provider, TrackedReferral referral, String reasonCode, String reasonText);

  /** Reminds the provider that a referral still awaits an answer, due at {@code respondBy}. */
  void remind(ProviderSettings provider, TrackedReferral referral, Instant respondBy);

  /**
   * Asks the provider what changed about the given open referrals. Called every poll interval, also
   * with none open. An update carries the version of the provider's record it comes from ({@link
   * ProviderStatusUpdate#sourceVersion}), and a version already reported need not be reported
   * again. A kind may also report referrals that are no longer open (a completed referral's record
   * edited afterwards): the core checks every update against the referral's state. Kinds whose
   * providers call back (webhooks) return an empty list.
   */
  List<ProviderStatusUpdate> poll(ProviderSettings provider, Collection<TrackedReferral> open);
}
