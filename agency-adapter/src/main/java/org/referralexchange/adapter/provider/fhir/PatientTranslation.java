package org.referralexchange.adapter.provider.fhir;

import java.util.List;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.OutboundReferral.Client;
import org.referralexchange.adapter.provider.ProviderSettings;

/** The client as a US Core Patient: allow-listed fields only, the rest said to be absent. */
final class PatientTranslation {

  private PatientTranslation() {}

  /**
   * The client as this provider may see it. The exchange has already removed what the allow-list
   * does not name; this checks again, so a field reaches the provider only when it is present AND
   * named in {@link ProviderSettings#allowedFields()}. The pseudonym is not client data outside the
   * exchange and always identifies the Patient.
   */
  static Patient patient(OutboundReferral referral, Predicate<String> allowed) {
    Client client = referral.client();
    Patient patient = new Patient();
    patient.getMeta().addProfile(FhirCodes.US_CORE_PATIENT);
    if (client != null && notBlank(client.pseudonym())) {
      patient.addIdentifier().setSystem(FhirCodes.CLIENT_PSEUDONYM).setValue(client.pseudonym());
    } else {
      // One Patient per referral, still found again on redelivery.
      patient.addIdentifier().setSystem(FhirCodes.REFERRAL_CLIENT).setValue(referral.referralId());
    }
    // US Core requires a gender and a name. The exchange never holds a gender: the required
    // binding's own "unknown" says so (an absent code with a data-absent-reason breaks the
    // binding). A name the consent or the allow-list withholds is said to be masked, not unknown.
    patient.setGender(Enumerations.AdministrativeGender.UNKNOWN);
    boolean given = client != null && allowed.test("givenName") && notBlank(client.givenName());
    boolean family = client != null && allowed.test("familyName") && notBlank(client.familyName());
    if (given || family) {
      var name = patient.addName();
      if (given) {
        name.addGiven(client.givenName());
      }
      if (family) {
        name.setFamily(client.familyName());
      }
    } else {
      // Withheld by the consent or the allow-list before the referral got here (the exchange
      // says so by name), or here by the allow-list: either way masked, not unknown.
      boolean withheld =
          referral.withheldFields().contains("givenName")
              || referral.withheldFields().contains("familyName")
              || (client != null
                  && ((!allowed.test("givenName") && notBlank(client.givenName()))
                      || (!allowed.test("familyName") && notBlank(client.familyName()))));
      patient
          .addName()
          .addExtension(
              FhirCodes.DATA_ABSENT_REASON,
              new CodeType(withheld ? FhirCodes.MASKED : FhirCodes.UNKNOWN));
    }
    if (client == null) {
      return patient;
    }
    if (allowed.test("birthDate") && client.birthDate() != null) {
      patient.setBirthDateElement(new DateType(client.birthDate().toString()));
    }
    if (allowed.test("phone") && notBlank(client.phone())) {
      patient
          .addTelecom()
          .setSystem(ContactPoint.ContactPointSystem.PHONE)
          .setValue(client.phone());
    }
    if (allowed.test("email") && notBlank(client.email())) {
      patient
          .addTelecom()
          .setSystem(ContactPoint.ContactPointSystem.EMAIL)
          .setValue(client.email());
    }
    addAddress(patient, client, allowed);
    if (allowed.test("identifiers") && client.identifiers() != null) {
      for (String identifier : client.identifiers()) {
        if (notBlank(identifier)) {
          patient.addIdentifier(clientIdentifier(identifier));
        }
      }
    }
    if (allowed.test("preferredLanguage") && notBlank(client.preferredLanguage())) {
      patient
          .addCommunication()
          .setPreferred(true)
          .setLanguage(
              new CodeableConcept()
                  .addCoding(new Coding(FhirCodes.BCP_47, client.preferredLanguage(), null)));
    }
    return patient;
  }

  private static void addAddress(Patient patient, Client client, Predicate<String> allowed) {
    List<String> lines =
        allowed.test("addressLines") && client.addressLines() != null
            ? client.addressLines().stream().filter(PatientTranslation::notBlank).toList()
            : List.of();
    boolean city = allowed.test("city") && notBlank(client.city());
    boolean state = allowed.test("state") && notBlank(client.state());
    boolean postalCode = allowed.test("postalCode") && notBlank(client.postalCode());
    if (lines.isEmpty() && !city && !state && !postalCode) {
      return;
    }
    var address = patient.addAddress();
    lines.forEach(address::addLine);
    if (city) {
      address.setCity(client.city());
    }
    if (state) {
      address.setState(client.state());
    }
    if (postalCode) {
      address.setPostalCode(client.postalCode());
    }
  }

  /** {@code system|value} (FHIR token form) or a bare value. */
  private static Identifier clientIdentifier(String token) {
    int bar = token.indexOf('|');
    if (bar > 0 && bar < token.length() - 1) {
      return new Identifier().setSystem(token.substring(0, bar)).setValue(token.substring(bar + 1));
    }
    return new Identifier().setSystem(FhirCodes.CLIENT_IDENTIFIER).setValue(token);
  }

  private static boolean notBlank(String value) {
    return value != null && !value.isBlank();
  }
}
