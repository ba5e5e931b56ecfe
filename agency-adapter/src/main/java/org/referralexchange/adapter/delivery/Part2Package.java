package org.referralexchange.adapter.delivery;

import java.util.Optional;
import org.referralexchange.adapter.provider.Part2Disclosure;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentIntermediary;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.ReferralSubmitted;

/**
 * Which deliveries are Part 2 disclosures and what goes with them (42 CFR 2.32): a referral whose
 * categories include substance-use-disorder information carries the notice and its consent's scope,
 * built from the consent as the log holds it, not from what the requester declared.
 */
final class Part2Package {

  private Part2Package() {}

  static Optional<Part2Disclosure> of(ReferralSubmitted referral, ConsentDetails consent) {
    if (!referral
        .getConsent()
        .getInformationCategories()
        .contains(InformationCategory.SUBSTANCE_USE_DISORDER)) {
      return Optional.empty();
    }
    ConsentIntermediary intermediary = consent.getRecipients().getIntermediary();
    return Optional.of(
        Part2Disclosure.of(
            new Part2Disclosure.Scope(
                consent.getConsentId(),
                consent.getRecipients().getProviderIds(),
                consent.getRecipients().getServiceCategories(),
                intermediary == null ? null : intermediary.getId(),
                intermediary == null ? null : intermediary.getName(),
                consent.getInformationCategories().stream().map(Enum::name).toList(),
                consent.getPurpose(),
                consent.getExpiresAt(),
                consent.getExpiryEvent())));
  }
}
