package org.referralexchange.gateway.referral;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.referralexchange.policy.ContentPolicy;

/**
 * Which of the content policy's fields a submitted referral carries: a field carries something when
 * it has a value that is not blank. The same test decides what is sealed, so what the policy saw is
 * what goes.
 */
final class ReferralContent {

  private ReferralContent() {}

  static Set<String> carried(ReferralRequests.Submit request) {
    Set<String> fields = new LinkedHashSet<>();
    ReferralRequests.Client client = request.client();
    add(fields, ContentPolicy.GIVEN_NAME, present(client.givenName()));
    add(fields, ContentPolicy.FAMILY_NAME, present(client.familyName()));
    add(fields, ContentPolicy.BIRTH_DATE, client.birthDate() != null);
    add(fields, ContentPolicy.IDENTIFIERS, present(client.identifiers()));
    add(fields, ContentPolicy.PREFERRED_LANGUAGE, present(client.preferredLanguage()));
    add(fields, ContentPolicy.PHONE, present(client.phone()));
    add(fields, ContentPolicy.EMAIL, present(client.email()));
    add(fields, ContentPolicy.ADDRESS, present(client.address()));
    add(fields, ContentPolicy.NEEDS, present(request.needs()));
    add(fields, ContentPolicy.NARRATIVE, present(request.narrative()));
    return fields;
  }

  static boolean present(String value) {
    return value != null && !value.isBlank();
  }

  static boolean present(List<?> values) {
    return values != null && !values.isEmpty();
  }

  static boolean present(ReferralRequests.Address address) {
    return address != null
        && (present(address.lines())
            || present(address.city())
            || present(address.state())
            || present(address.postalCode())
            || present(address.country()));
  }

  static boolean present(ReferralRequests.Narrative narrative) {
    return narrative != null
        && (present(narrative.needsDescription())
            || present(narrative.goals())
            || present(narrative.notes()));
  }

  private static void add(Set<String> fields, String field, boolean carried) {
    if (carried) {
      fields.add(field);
    }
  }
}
