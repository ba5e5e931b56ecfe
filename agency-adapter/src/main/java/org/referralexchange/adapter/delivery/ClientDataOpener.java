package org.referralexchange.adapter.delivery;

import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.envelope.EnvelopeCipher;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.Identifier;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.ReferralNarrative;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.policy.ContentPolicy;
import org.springframework.stereotype.Component;

/**
 * Opens a referral's encrypted client data, here and only here, and keeps only the fields both the
 * consent and the provider's allow-list cover (minimum necessary, 45 CFR 164.502(b)): the consent's
 * categories as this adapter read them from the log, through {@link ContentPolicy}, meet the
 * provider's {@code allowed-fields}. Need codes go only under SOCIAL_NEEDS, the narrative only
 * under a consent covering every category it may hold. Field names: givenName, familyName,
 * birthDate, phone, email, address (or addressLines, city, state, postalCode), identifiers,
 * preferredLanguage, narrative.
 */
@Component
class ClientDataOpener {

  private final EnvelopeCipher cipher;

  ClientDataOpener(EnvelopeCipher cipher) {
    this.cipher = cipher;
  }

  /**
   * @param allowed the provider's allow-list
   * @param consented the categories of the consent as read from the log (never the referral's
   *     copy); the referral's own declaration can only narrow them
   * @param respondBy when the provider should answer: the agency's, or worked out from the
   *     provider's response window
   */
  OutboundReferral open(
      ReferralSubmitted referral,
      Set<String> allowed,
      Collection<InformationCategory> consented,
      Instant respondBy) {
    Set<String> fields = disclosed(referral, allowed, consented);
    String id = referral.getReferralId();
    ClientIdentity identity =
        cipher.open(referral.getClient().getIdentity(), ClientIdentity.class, id);
    ReferralNarrative narrative =
        fields.contains(ContentPolicy.NARRATIVE) && referral.getNarrative() != null
            ? cipher.open(referral.getNarrative(), ReferralNarrative.class, id)
            : null;
    var address = identity.getAddress();
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
        fields.contains(ContentPolicy.NEEDS)
            ? referral.getNeeds().stream()
                .map(n -> new OutboundReferral.Need(n.getSystem(), n.getCode(), n.getDisplay()))
                .toList()
            : List.of(),
        new OutboundReferral.Client(
            referral.getClient().getClientPseudonym(),
            fields.contains("givenName") ? blankAsNull(identity.getGivenName()) : null,
            fields.contains("familyName") ? blankAsNull(identity.getFamilyName()) : null,
            fields.contains("birthDate") ? identity.getBirthDate() : null,
            fields.contains("phone") ? identity.getPhone() : null,
            fields.contains("email") ? identity.getEmail() : null,
            address != null && fields.contains("addressLines") ? address.getLines() : List.of(),
            address != null && fields.contains("city") ? address.getCity() : null,
            address != null && fields.contains("state") ? address.getState() : null,
            address != null && fields.contains("postalCode") ? address.getPostalCode() : null,
            fields.contains("identifiers")
                ? identity.getIdentifiers().stream().map(ClientDataOpener::identifier).toList()
                : List.of(),
            fields.contains("preferredLanguage") ? identity.getPreferredLanguage() : null),
        narrative == null
            ? null
            : new OutboundReferral.Narrative(
                narrative.getNeedsDescription(), narrative.getGoals(), narrative.getNotes()),
        referral.getFlags().getContactingSubjectProhibited(),
        referral.getConsent().getConsentId(),
        null,
        withheld(identity, referral.getNarrative() != null, fields));
  }

  /** The fields the client's data holds that {@code fields} leaves out: names, never values. */
  static Set<String> withheld(ClientIdentity identity, boolean hasNarrative, Set<String> fields) {
    var address = identity.getAddress();
    Map<String, Boolean> held = new LinkedHashMap<>();
    held.put(ContentPolicy.GIVEN_NAME, !isBlank(identity.getGivenName()));
    held.put(ContentPolicy.FAMILY_NAME, !isBlank(identity.getFamilyName()));
    held.put(ContentPolicy.BIRTH_DATE, identity.getBirthDate() != null);
    held.put(ContentPolicy.PHONE, !isBlank(identity.getPhone()));
    held.put(ContentPolicy.EMAIL, !isBlank(identity.getEmail()));
    held.put("addressLines", address != null && !address.getLines().isEmpty());
    held.put("city", address != null && !isBlank(address.getCity()));
    held.put("state", address != null && !isBlank(address.getState()));
    held.put("postalCode", address != null && !isBlank(address.getPostalCode()));
    held.put(ContentPolicy.IDENTIFIERS, !identity.getIdentifiers().isEmpty());
    held.put(ContentPolicy.PREFERRED_LANGUAGE, !isBlank(identity.getPreferredLanguage()));
    held.put(ContentPolicy.NARRATIVE, hasNarrative);
    Set<String> withheld = new TreeSet<>();
    held.forEach(
        (field, present) -> {
          if (present && !fields.contains(field)) {
            withheld.add(field);
          }
        });
    return withheld;
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  /**
   * The field names that may leave for this provider: named by its allow-list (needs always are:
   * they are codes, not client data, and no allow-list names them) and covered by the consent's
   * categories, narrowed by the ones the referral declared. Address parts are named one by one.
   */
  static Set<String> disclosed(
      ReferralSubmitted referral, Set<String> allowed, Collection<InformationCategory> consented) {
    EnumSet<InformationCategory> covered = EnumSet.noneOf(InformationCategory.class);
    covered.addAll(consented);
    covered.retainAll(referral.getConsent().getInformationCategories());
    Set<String> consentFields =
        ContentPolicy.coveredFields(
            covered, Optional.ofNullable(referral.getConsent().getNarrativeCategories()));
    Set<String> named = new HashSet<>(allowed);
    named.add(ContentPolicy.NEEDS);
    if (named.contains(ContentPolicy.ADDRESS)) {
      named.addAll(ContentPolicy.ADDRESS_PARTS);
    }
    Set<String> fields = new HashSet<>();
    for (String field : named) {
      if (ContentPolicy.covers(consentFields, field)) {
        fields.add(field);
      }
    }
    return Set.copyOf(fields);
  }

  private static String blankAsNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static String identifier(Identifier identifier) {
    return identifier.getSystem() + "|" + identifier.getValue();
  }
}
