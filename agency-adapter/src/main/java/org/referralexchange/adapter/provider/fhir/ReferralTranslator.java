package org.referralexchange.adapter.provider.fhir;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.OutboundReferral.Client;
import org.referralexchange.adapter.provider.ProviderSettings;

/**
 * Turns one {@link OutboundReferral} into a FHIR transaction: a Patient (allow-listed fields only),
 * a ServiceRequest and a Gravity SDOHCC Task, each a conditional create keyed by an exchange
 * identifier so that delivering again creates nothing new. No I/O here.
 */
final class ReferralTranslator {

  /** Position of each resource in the transaction; the response lists entries in this order. */
  static final int PATIENT_ENTRY = 0;

  static final int SERVICE_REQUEST_ENTRY = 1;
  static final int TASK_ENTRY = 2;

  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

  private ReferralTranslator() {}

  static Bundle transaction(ProviderSettings provider, OutboundReferral referral) {
    String patientUrl = "urn:uuid:" + UUID.randomUUID();
    String serviceRequestUrl = "urn:uuid:" + UUID.randomUUID();
    String taskUrl = "urn:uuid:" + UUID.randomUUID();

    Patient patient = patient(referral, allowed(provider));
    ServiceRequest serviceRequest = serviceRequest(provider, referral, patientUrl);
    Task task = task(provider, referral, serviceRequestUrl, patientUrl);

    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    addConditionalCreate(bundle, patientUrl, patient, patient.getIdentifierFirstRep());
    addConditionalCreate(
        bundle, serviceRequestUrl, serviceRequest, referralIdentifier(referral.referralId()));
    addConditionalCreate(bundle, taskUrl, task, referralIdentifier(referral.referralId()));
    return bundle;
  }

  /** The search that finds what an earlier delivery of this referral created. */
  static String ifNoneExist(Identifier identifier) {
    return "identifier=" + identifier.getSystem() + "|" + identifier.getValue();
  }

  static Identifier referralIdentifier(String referralId) {
    return new Identifier().setSystem(FhirCodes.REFERRAL_ID).setValue(referralId);
  }

  private static void addConditionalCreate(
      Bundle bundle, String fullUrl, Resource resource, Identifier key) {
    bundle
        .addEntry()
        .setFullUrl(fullUrl)
        .setResource(resource)
        .getRequest()
        .setMethod(Bundle.HTTPVerb.POST)
        .setUrl(resource.fhirType())
        .setIfNoneExist(ifNoneExist(key));
  }

  /**
   * The client as this provider may see it. The exchange has already removed what the allow-list
   * does not name; this checks again, so a field reaches the provider only when it is present AND
   * named in {@link ProviderSettings#allowedFields()}. The pseudonym is not client data outside the
   * exchange and always identifies the Patient.
   */
  static Patient patient(OutboundReferral referral, Predicate<String> allowed) {
    Client client = referral.client();
    Patient patient = new Patient();
    if (client != null && notBlank(client.pseudonym())) {
      patient.addIdentifier().setSystem(FhirCodes.CLIENT_PSEUDONYM).setValue(client.pseudonym());
    } else {
      // One Patient per referral, still found again on redelivery.
      patient.addIdentifier().setSystem(FhirCodes.REFERRAL_CLIENT).setValue(referral.referralId());
    }
    if (client == null) {
      return patient;
    }
    boolean given = allowed.test("givenName") && notBlank(client.givenName());
    boolean family = allowed.test("familyName") && notBlank(client.familyName());
    if (given || family) {
      var name = patient.addName();
      if (given) {
        name.addGiven(client.givenName());
      }
      if (family) {
        name.setFamily(client.familyName());
      }
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
            ? client.addressLines().stream().filter(ReferralTranslator::notBlank).toList()
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

  static ServiceRequest serviceRequest(
      ProviderSettings provider, OutboundReferral referral, String patientReference) {
    ServiceRequest request = new ServiceRequest();
    request.addIdentifier(referralIdentifier(referral.referralId()));
    request.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
    request.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
    request.setPriority(
        urgent(referral)
            ? ServiceRequest.ServiceRequestPriority.URGENT
            : ServiceRequest.ServiceRequestPriority.ROUTINE);
    List<OutboundReferral.Need> needs = referral.needs() == null ? List.of() : referral.needs();
    for (OutboundReferral.Need need : needs) {
      request.addCategory(concept(need));
    }
    if (!needs.isEmpty()) {
      // ServiceRequest.code holds one concept: the first need; category lists them all.
      request.setCode(concept(needs.get(0)));
    }
    if (notBlank(referral.serviceId())) {
      request.addOrderDetail(
          new CodeableConcept()
              .addCoding(new Coding(FhirCodes.HSDS_SERVICE_ID, referral.serviceId(), null)));
    }
    request.setSubject(new Reference(patientReference));
    request.setAuthoredOnElement(dateTime(referral.authoredOn()));
    request.setRequester(requester(referral));
    request.addPerformer(owner(provider));
    if (notBlank(referral.consentId())) {
      request.addSupportingInfo(
          new Reference()
              .setIdentifier(
                  new Identifier().setSystem(FhirCodes.CONSENT_ID).setValue(referral.consentId()))
              .setDisplay("Consent to share information for this referral"));
    }
    for (String note : notes(provider, referral)) {
      request.addNote(new Annotation().setText(note));
    }
    return request;
  }

  static Task task(
      ProviderSettings provider,
      OutboundReferral referral,
      String serviceRequestReference,
      String patientReference) {
    Task task = new Task();
    task.addIdentifier(referralIdentifier(referral.referralId()));
    task.setStatus(Task.TaskStatus.REQUESTED);
    task.setIntent(Task.TaskIntent.ORDER);
    task.setPriority(urgent(referral) ? Task.TaskPriority.URGENT : Task.TaskPriority.ROUTINE);
    task.setCode(
        new CodeableConcept()
            .addCoding(
                new Coding(FhirCodes.TASK_CODE, FhirCodes.FULFILL, "Fulfill the focal request")));
    task.setFocus(new Reference(serviceRequestReference));
    task.setFor(new Reference(patientReference));
    task.setAuthoredOnElement(dateTime(referral.authoredOn()));
    task.setLastModifiedElement(dateTime(referral.authoredOn()));
    task.setRequester(requester(referral));
    task.setOwner(owner(provider));
    if (referral.respondBy() != null) {
      task.getRestriction().getPeriod().setEndElement(dateTime(referral.respondBy()));
    }
    if (referral.contactingSubjectProhibited()) {
      task.addNote().setText(DO_NOT_CONTACT);
    }
    return task;
  }

  static final String DO_NOT_CONTACT =
      "Do not contact the client directly; contact the referring case manager.";

  private static List<String> notes(ProviderSettings provider, OutboundReferral referral) {
    List<String> notes = new ArrayList<>();
    OutboundReferral.Narrative narrative = referral.narrative();
    if (narrative != null && allowed(provider).test("narrative")) {
      if (notBlank(narrative.needsDescription())) {
        notes.add(narrative.needsDescription());
      }
      if (narrative.goals() != null && !narrative.goals().isEmpty()) {
        notes.add("Goals: " + String.join("; ", narrative.goals()));
      }
      if (notBlank(narrative.notes())) {
        notes.add(narrative.notes());
      }
    }
    if (referral.contactingSubjectProhibited()) {
      notes.add(DO_NOT_CONTACT);
    }
    OutboundReferral.Requester requester = referral.requester();
    if (requester != null && notBlank(requester.caseManagerName())) {
      String contact =
          notBlank(requester.caseManagerEmail())
              ? requester.caseManagerName() + " <" + requester.caseManagerEmail() + ">"
              : requester.caseManagerName();
      notes.add("Referring case manager: " + contact);
    }
    return notes;
  }

  private static Reference requester(OutboundReferral referral) {
    Reference reference = new Reference();
    OutboundReferral.Requester requester = referral.requester();
    if (requester != null) {
      reference.setDisplay(requester.agencyName());
      if (notBlank(requester.agencyId())) {
        reference.setIdentifier(
            new Identifier().setSystem(FhirCodes.AGENCY_ID).setValue(requester.agencyId()));
      }
    }
    return reference;
  }

  private static Reference owner(ProviderSettings provider) {
    Reference reference = new Reference().setDisplay(provider.name());
    if (notBlank(provider.id())) {
      reference.setIdentifier(
          new Identifier().setSystem(FhirCodes.PROVIDER_ID).setValue(provider.id()));
    }
    return reference;
  }

  private static CodeableConcept concept(OutboundReferral.Need need) {
    return new CodeableConcept()
        .addCoding(new Coding(need.system(), need.code(), need.display()))
        .setText(need.display());
  }

  static DateTimeType dateTime(Instant instant) {
    if (instant == null) {
      return null;
    }
    return new DateTimeType(
        Date.from(instant), ca.uhn.fhir.model.api.TemporalPrecisionEnum.MILLI, UTC);
  }

  private static boolean urgent(OutboundReferral referral) {
    return referral.priority() != null
        && "URGENT".equals(referral.priority().toUpperCase(Locale.ROOT));
  }

  private static final Set<String> ADDRESS_PARTS =
      Set.of("addressLines", "city", "state", "postalCode");

  /**
   * The allow-list test. {@code address} names the whole address, as the core and the webhook kind
   * read it; each part may also be named alone.
   */
  private static Predicate<String> allowed(ProviderSettings provider) {
    Set<String> fields = provider.allowedFields();
    if (fields == null) {
      return field -> false;
    }
    return field ->
        fields.contains(field) || (ADDRESS_PARTS.contains(field) && fields.contains("address"));
  }

  private static boolean notBlank(String value) {
    return value != null && !value.isBlank();
  }
}
