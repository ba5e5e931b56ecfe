package org.referralexchange.gateway.it;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Request bodies as an agency would send them, with canary values in every client field. */
public final class Requests {

  /** Values that must never appear in clear on a topic, in a dead letter or in a log line. */
  public static final String[] CANARIES = {
    "Zebulon-Canary", "Quixote-Canary", "+15555550199", "canary.client@example.org",
    "77 Canary Lane", "MRN-CANARY-4471", "canary needs narrative", "client-canary-id-9"
  };

  private Requests() {}

  public static String consent(
      String clientId,
      String providerId,
      String categories,
      boolean part2,
      String purpose,
      Instant expiresAt) {
    Instant signed = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    return """
        {"clientId": "%s",
         "recipients": {"providerIds": ["%s"]},
         "informationCategories": [%s],
         "part2": %s,
         "purpose": "%s",
         "expiresAt": "%s",
         "signature": {"method": "ELECTRONIC", "signedAt": "%s", "signerRole": "CLIENT"},
         "revocationRightAcknowledged": true,
         "servicesConditionedOnSigning": false,
         "redisclosureNoticeAcknowledged": true,
         "sourceReference": "forms/roi-1"}
        """
        .formatted(clientId, providerId, categories, part2, purpose, expiresAt, signed);
  }

  public static String consent(String clientId) {
    return consent(
        clientId,
        "northside-food-bank",
        "\"DEMOGRAPHICS\", \"CONTACT_DETAILS\", \"SOCIAL_NEEDS\"",
        false,
        "COC",
        Instant.now().plus(365, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS));
  }

  public static String referral(String consentId, String clientId, String categories) {
    return """
        {"target": {"providerId": "northside-food-bank", "serviceId": "emergency-groceries"},
         "needs": [{"system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes", "code": "food-insecurity", "display": "Food Insecurity"}],
         "narrative": {"needsDescription": "canary needs narrative", "goals": ["Groceries for two weeks"], "notes": "Call after 5pm"},
         "priority": "URGENT",
         "consent": {"consentId": "%s", "informationCategories": [%s], "purpose": "COC", "narrativeCategories": ["SOCIAL_NEEDS"]},
         "client": {"clientId": "%s", "givenName": "Zebulon-Canary", "familyName": "Quixote-Canary",
                    "birthDate": "1980-02-29", "phone": "+15555550199", "email": "canary.client@example.org",
                    "address": {"lines": ["77 Canary Lane"], "city": "Springfield", "state": "IL", "postalCode": "62701", "country": "US"},
                    "identifiers": [{"system": "urn:county:mrn", "value": "MRN-CANARY-4471"}]},
         "caseManager": {"id": "cm-7", "name": "Casey Manager", "email": "casey@county.example",
                         "mobile": "+15555550107", "preferredChannels": ["EMAIL", "SMS"], "timeZone": "America/Chicago"},
         "contactingSubjectProhibited": false}
        """
        .formatted(consentId, categories, clientId);
  }

  /**
   * A referral declaring what it carries: names, birth date and identifiers (DEMOGRAPHICS), phone,
   * email and address (CONTACT_DETAILS), need codes and a narrative declared to hold SOCIAL_NEEDS.
   */
  public static String referral(String consentId, String clientId) {
    return referral(consentId, clientId, EVERYTHING_SENT);
  }

  /** The categories of everything {@link #referral(String, String)} carries. */
  public static final String EVERYTHING_SENT =
      "\"DEMOGRAPHICS\", \"CONTACT_DETAILS\", \"SOCIAL_NEEDS\"";
}
