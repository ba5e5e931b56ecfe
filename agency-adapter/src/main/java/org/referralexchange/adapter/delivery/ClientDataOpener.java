package org.referralexchange.adapter.delivery;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.envelope.EnvelopeCipher;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.Identifier;
import org.referralexchange.events.v1.ReferralNarrative;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.springframework.stereotype.Component;

/**
 * Opens a referral's encrypted client data, here and only here, and keeps only the fields the
 * provider's allow-list names (minimum necessary). Field names: givenName, familyName, birthDate,
 * phone, email, address, identifiers, preferredLanguage, narrative.
 */
@Component
class ClientDataOpener {

  private final EnvelopeCipher cipher;

  ClientDataOpener(EnvelopeCipher cipher) {
    this.cipher = cipher;
  }

  /**
   * @param respondBy when the provider should answer: the agency's, or worked out from the
   *     provider's response window
   */
  OutboundReferral open(ReferralSubmitted referral, Set<String> allowed, Instant respondBy) {
    String id = referral.getReferralId();
    ClientIdentity identity =
        cipher.open(referral.getClient().getIdentity(), ClientIdentity.class, id);
    ReferralNarrative narrative =
        allowed.contains("narrative") && referral.getNarrative() != null
            ? cipher.open(referral.getNarrative(), ReferralNarrative.class, id)
            : null;
    var address = allowed.contains("address") ? identity.getAddress() : null;
    return new OutboundReferral(
        id,
        referral.getTarget().getProviderId(),
        referral.getTarget().getServiceId(),
        referral.getPriority().name(),
        referral.getOccurredAt(),
        respondBy,
        new OutboundReferral.Requester(
            referral.getReferrer().getAgencyId(),
            referral.getReferrer().getAgencyName(),
            referral.getReferrer().getCaseManager().getName(),
            referral.getReferrer().getCaseManager().getEmail()),
        referral.getNeeds().stream()
            .map(n -> new OutboundReferral.Need(n.getSystem(), n.getCode(), n.getDisplay()))
            .toList(),
        new OutboundReferral.Client(
            referral.getClient().getClientPseudonym(),
            allowed.contains("givenName") ? identity.getGivenName() : null,
            allowed.contains("familyName") ? identity.getFamilyName() : null,
            allowed.contains("birthDate") ? identity.getBirthDate() : null,
            allowed.contains("phone") ? identity.getPhone() : null,
            allowed.contains("email") ? identity.getEmail() : null,
            address == null ? List.of() : address.getLines(),
            address == null ? null : address.getCity(),
            address == null ? null : address.getState(),
            address == null ? null : address.getPostalCode(),
            allowed.contains("identifiers")
                ? identity.getIdentifiers().stream().map(ClientDataOpener::identifier).toList()
                : List.of(),
            allowed.contains("preferredLanguage") ? identity.getPreferredLanguage() : null),
        narrative == null
            ? null
            : new OutboundReferral.Narrative(
                narrative.getNeedsDescription(), narrative.getGoals(), narrative.getNotes()),
        referral.getFlags().getContactingSubjectProhibited(),
        referral.getConsent().getConsentId());
  }

  private static String identifier(Identifier identifier) {
    return identifier.getSystem() + "|" + identifier.getValue();
  }
}
