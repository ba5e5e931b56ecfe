package org.referralexchange.adapter.delivery;

import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.adapter.clock.ResponseDeadline;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.referral.ConsentStateView;
import org.referralexchange.adapter.referral.ReferralState;
import org.referralexchange.adapter.referral.ReferralStateView;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.policy.ConsentCheck;
import org.referralexchange.policy.ConsentPolicy;
import org.springframework.stereotype.Component;

/**
 * A referral as one provider may see it now, for a page that shows it (the email-intake kind): the
 * same consent policies as a delivery ({@code ConsentPolicy.ALL}, against the consent as the log
 * holds it), then the same opening ({@link ClientDataOpener}: the consent meets the provider's
 * allow-list) and the same Part 2 package. Asked at each view, so a revocation read since the email
 * was sent takes effect on the next view.
 */
@Component
public class ProviderCopy {

  /** Statuses after which the referral is no longer the provider's to see. */
  private static final Set<ReferralStatus> WITHDRAWN =
      EnumSet.of(ReferralStatus.CANCELLED, ReferralStatus.ENTERED_IN_ERROR);

  private final ReferralStateView referrals;
  private final ConsentStateView consents;
  private final ClientDataOpener opener;
  private final Clock clock;

  ProviderCopy(
      ReferralStateView referrals,
      ConsentStateView consents,
      ClientDataOpener opener,
      Clock clock) {
    this.referrals = referrals;
    this.consents = consents;
    this.opener = opener;
    this.clock = clock;
  }

  /** What the provider may see of the referral now; decided without opening anything first. */
  public Copy decide(AdapterProperties.Provider provider, String referralId) {
    Optional<ReferralState> found =
        referrals.get(referralId).filter(r -> r.providerId().equals(provider.id()));
    if (found.isEmpty()) {
      return new Copy.Unknown();
    }
    ReferralState state = found.get();
    if (WITHDRAWN.contains(state.status())) {
      return new Copy.Withdrawn(state);
    }
    ReferralSubmitted submitted = state.submitted();
    Optional<ConsentStateView.Consent> consent =
        consents.get(submitted.getConsent().getConsentId());
    if (consent.isEmpty()) {
      return new Copy.NotYet();
    }
    var decision =
        ConsentPolicy.evaluateAll(
            new ConsentCheck(
                consent.map(ConsentStateView.Consent::effective),
                consent.get().revoked(),
                clock.instant(),
                submitted.getReferrer().getAgencyId(),
                submitted.getClient().getClientPseudonym(),
                provider.id(),
                provider.serviceCategories(),
                Set.copyOf(submitted.getConsent().getInformationCategories()),
                submitted.getConsent().getPurpose(),
                provider.treatingProvider()));
    if (!decision.isAllowed()) {
      return new Copy.Withdrawn(state);
    }
    return new Copy.Shown(state, consent.get());
  }

  /**
   * Opens the client's data for one view: only what {@link #decide} allowed, only the fields the
   * consent and the provider's allow-list both cover.
   */
  public OutboundReferral open(AdapterProperties.Provider provider, Copy.Shown shown) {
    ReferralSubmitted submitted = shown.state().submitted();
    OutboundReferral outbound =
        opener.open(
            submitted,
            provider.allowedFields(),
            shown.consent().details().getInformationCategories() == null
                ? List.of()
                : shown.consent().details().getInformationCategories(),
            ResponseDeadline.of(submitted, provider).respondBy());
    return Part2Package.of(submitted, shown.consent().details())
        .map(outbound::withPart2)
        .orElse(outbound);
  }

  /** What a provider's page may show. */
  public sealed interface Copy {
    /** The consent covers this provider now: the referral may be opened for it. */
    record Shown(ReferralState state, ConsentStateView.Consent consent) implements Copy {}

    /** Cancelled, or its consent revoked, expired or no longer covering the provider. */
    record Withdrawn(ReferralState state) implements Copy {}

    /** Its consent is not read here yet (moments after a start): ask again shortly. */
    record NotYet() implements Copy {}

    /** No such referral was sent to this provider. */
    record Unknown() implements Copy {}
  }
}
