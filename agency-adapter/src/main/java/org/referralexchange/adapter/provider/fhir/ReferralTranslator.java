package org.referralexchange.adapter.provider.fhir;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.ProviderSettings;

/**
 * Turns one {@link OutboundReferral} into a FHIR transaction a Gravity SDOHCC server accepts: a
 * Patient ({@link PatientTranslation}: US Core's required elements, allow-listed data only), the
 * referring agency's Organization, an SDOHCC Consent for the consent the referral relies on, the
 * provider's own Organization when it is not known yet, an SDOHCC ServiceRequest and an SDOHCC
 * Task. Every entry is a conditional create keyed by an exchange identifier, so delivering again
 * creates nothing new, and every reference between them is literal. No I/O here.
 */
final class ReferralTranslator {

  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

  private ReferralTranslator() {}

  /**
   * The transaction for one delivery; the Task is its last entry.
   *
   * @param providerOrganization the literal reference of the provider's own Organization at its
   *     server ({@code Organization/123}), or null to conditionally create it by the exchange's
   *     provider identifier
   */
  static Bundle transaction(
      ProviderSettings provider, OutboundReferral referral, String providerOrganization) {
    Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    String patientUrl = newUrl();
    Patient patient = PatientTranslation.patient(referral, allowed(provider));
    markPart2(referral, patient);
    addConditionalCreate(bundle, patientUrl, patient, patient.getIdentifierFirstRep());

    Reference agency = agencyReference(referral);
    Organization agencyOrganization = agencyOrganization(referral);
    if (agencyOrganization != null) {
      String url = newUrl();
      addConditionalCreate(
          bundle, url, agencyOrganization, agencyOrganization.getIdentifierFirstRep());
      agency.setReference(url);
    }

    Reference owner = owner(provider);
    if (providerOrganization != null) {
      owner.setReference(providerOrganization);
    } else if (notBlank(provider.id())) {
      String url = newUrl();
      Organization own = providerOrganization(provider);
      addConditionalCreate(bundle, url, own, own.getIdentifierFirstRep());
      owner.setReference(url);
    }

    String consentUrl = null;
    if (notBlank(referral.consentId())) {
      consentUrl = newUrl();
      Consent consent = consent(referral, patientUrl, agency);
      markPart2(referral, consent);
      addConditionalCreate(bundle, consentUrl, consent, consent.getIdentifierFirstRep());
    }

    String serviceRequestUrl = newUrl();
    ServiceRequest serviceRequest =
        serviceRequest(provider, referral, patientUrl, agency, owner, consentUrl);
    markPart2(referral, serviceRequest);
    addConditionalCreate(
        bundle, serviceRequestUrl, serviceRequest, referralIdentifier(referral.referralId()));
    Task task = task(provider, referral, serviceRequestUrl, patientUrl, agency, owner);
    markPart2(referral, task);
    addConditionalCreate(bundle, newUrl(), task, referralIdentifier(referral.referralId()));
    return bundle;
  }

  /** Where the Task is in {@link #transaction}'s answer: its last entry. */
  static int taskEntry(Bundle transaction) {
    return transaction.getEntry().size() - 1;
  }

  private static String newUrl() {
    return "urn:uuid:" + UUID.randomUUID();
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

  static ServiceRequest serviceRequest(
      ProviderSettings provider,
      OutboundReferral referral,
      String patientReference,
      Reference requester,
      Reference performer,
      String consentReference) {
    ServiceRequest request = new ServiceRequest();
    request.getMeta().addProfile(FhirCodes.SDOHCC_SERVICE_REQUEST);
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
    if (needs.stream().noneMatch(ReferralTranslator::sdohCategory)) {
      // SDOHCC requires at least one SDOH category; needs coded otherwise name none.
      request.addCategory(
          new CodeableConcept()
              .addCoding(
                  new Coding(
                      FhirCodes.SDOHCC_TEMPORARY_CODES,
                      FhirCodes.SDOH_CATEGORY_UNSPECIFIED,
                      "SDOH Category Unspecified")));
    }
    request.setCode(serviceCode(provider, referral.serviceId()));
    if (referral.contactingSubjectProhibited()) {
      request.addOrderDetail(
          new CodeableConcept()
              .addCoding(
                  new Coding(
                      FhirCodes.SDOHCC_TEMPORARY_CODES,
                      FhirCodes.CONTACTING_SUBJECT_PROHIBITED,
                      "Contacting Subject Prohibited")));
    }
    if (notBlank(referral.serviceId())) {
      request.addOrderDetail(
          new CodeableConcept()
              .addCoding(new Coding(FhirCodes.HSDS_SERVICE_ID, referral.serviceId(), null)));
    }
    request.setSubject(new Reference(patientReference));
    if (referral.respondBy() != null) {
      // The service is wanted from now until the answer is due.
      request.setOccurrence(
          new Period()
              .setStartElement(dateTime(referral.authoredOn()))
              .setEndElement(dateTime(referral.respondBy())));
    }
    request.setAuthoredOnElement(dateTime(referral.authoredOn()));
    request.setRequester(requester.copy());
    request.addPerformer(performer.copy());
    if (consentReference != null) {
      request.addSupportingInfo(
          new Reference(consentReference)
              .setDisplay("Consent to share information for this referral"));
    }
    for (String note : notes(provider, referral)) {
      request.addNote(new Annotation().setText(note));
    }
    return request;
  }

  /**
   * The configured service's SNOMED CT code; else SNOMED CT "Social service procedure" with the
   * service's name (or id) as text, so that a service nobody coded still satisfies the IG's
   * required binding and still says what was asked for.
   */
  static CodeableConcept serviceCode(ProviderSettings provider, String serviceId) {
    Optional<ProviderSettings.ServiceOffering> service =
        serviceId == null ? Optional.empty() : provider.service(serviceId);
    String text = service.map(ProviderSettings.ServiceOffering::name).orElse(serviceId);
    Optional<ProviderSettings.ServiceOffering> coded =
        service.filter(offering -> notBlank(offering.code()));
    Coding coding =
        coded
            .map(offering -> new Coding(FhirCodes.SNOMED_CT, offering.code(), offering.display()))
            .orElseGet(
                () ->
                    new Coding(
                        FhirCodes.SNOMED_CT,
                        FhirCodes.SOCIAL_SERVICE_PROCEDURE,
                        FhirCodes.SOCIAL_SERVICE_PROCEDURE_DISPLAY));
    CodeableConcept concept = new CodeableConcept().addCoding(coding);
    if (notBlank(text)) {
      concept.setText(text);
    }
    return concept;
  }

  static Task task(
      ProviderSettings provider,
      OutboundReferral referral,
      String serviceRequestReference,
      String patientReference,
      Reference requester,
      Reference owner) {
    Task task = new Task();
    task.getMeta().addProfile(FhirCodes.SDOHCC_TASK);
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
    task.setRequester(requester.copy());
    task.setOwner(owner.copy());
    if (referral.respondBy() != null) {
      task.getRestriction().getPeriod().setEndElement(dateTime(referral.respondBy()));
    }
    return task;
  }

  /**
   * The SDOHCC Consent for the consent the referral relies on: active, privacy scope, information
   * disclosure, given by the client to the referring agency. Keyed by the exchange's consent id, so
   * referrals that rely on one consent share one resource, which a revocation makes inactive.
   */
  static Consent consent(OutboundReferral referral, String patientReference, Reference agency) {
    Consent consent = new Consent();
    consent.getMeta().addProfile(FhirCodes.SDOHCC_CONSENT);
    consent.addIdentifier(
        new Identifier().setSystem(FhirCodes.CONSENT_ID).setValue(referral.consentId()));
    consent.setStatus(Consent.ConsentState.ACTIVE);
    consent.setScope(
        new CodeableConcept()
            .addCoding(
                new Coding(FhirCodes.CONSENT_SCOPE, FhirCodes.PATIENT_PRIVACY, "Privacy Consent")));
    consent.addCategory(
        new CodeableConcept()
            .addCoding(
                new Coding(FhirCodes.V3_ACT_CODE, FhirCodes.IDSCL, "information disclosure")));
    consent.setPatient(new Reference(patientReference));
    // The exchange checked the consent when the referral was made; it does not pass on when the
    // client signed, so the referral's time is the latest time the consent is known to hold.
    consent.setDateTimeElement(dateTime(referral.authoredOn()));
    consent.addOrganization(agency.copy());
    consent.setPolicyRule(
        new CodeableConcept()
            .addCoding(
                new Coding(FhirCodes.CONSENT_POLICY, FhirCodes.HIPAA_AUTH, "HIPAA Authorization")));
    if (referral.part2() != null) {
      // R4's consent policy codes have none for Part 2; the regulation itself names the policy.
      consent.addPolicy().setUri(FhirCodes.CFR_PART2_URI);
    }
    // The signed form stays with the referring agency; the attachment names it, never copies it.
    consent.setSource(
        new Attachment()
            .setTitle(
                "Consent " + referral.consentId() + ", signed form held by the referring agency"));
    return consent;
  }

  /**
   * Marks a resource that holds or points at Part 2 information with the HL7 DS4P security labels:
   * the 42 CFR Part 2 policy, confidentiality restricted, and the refrain "no redisclosure without
   * consent", so the provider's system can keep it apart. Organizations hold none and stay
   * unmarked.
   */
  static void markPart2(OutboundReferral referral, Resource resource) {
    if (referral.part2() == null) {
      return;
    }
    resource
        .getMeta()
        .addSecurity(new Coding(FhirCodes.V3_ACT_CODE, FhirCodes.PART2_POLICY, "42 CFR Part2"))
        .addSecurity(new Coding(FhirCodes.V3_CONFIDENTIALITY, FhirCodes.RESTRICTED, "restricted"))
        .addSecurity(
            new Coding(
                FhirCodes.V3_ACT_CODE,
                FhirCodes.NO_REDISCLOSURE,
                "no redisclosure without consent directive"));
  }

  /** The referring agency as a US Core Organization, or null when the referral names none. */
  static Organization agencyOrganization(OutboundReferral referral) {
    OutboundReferral.Requester requester = referral.requester();
    if (requester == null || !notBlank(requester.agencyId())) {
      return null;
    }
    Organization organization = new Organization();
    organization.getMeta().addProfile(FhirCodes.US_CORE_ORGANIZATION);
    organization.addIdentifier(
        new Identifier().setSystem(FhirCodes.AGENCY_ID).setValue(requester.agencyId()));
    organization.setActive(true);
    organization.setName(
        notBlank(requester.agencyName()) ? requester.agencyName() : requester.agencyId());
    return organization;
  }

  /** The provider's own Organization, for a server that does not have it yet. */
  static Organization providerOrganization(ProviderSettings provider) {
    Organization organization = new Organization();
    organization.getMeta().addProfile(FhirCodes.US_CORE_ORGANIZATION);
    organization.addIdentifier(
        new Identifier().setSystem(FhirCodes.PROVIDER_ID).setValue(provider.id()));
    organization.setActive(true);
    organization.setName(notBlank(provider.name()) ? provider.name() : provider.id());
    ProviderSettings.Contact contact = provider.contact();
    if (contact != null) {
      if (notBlank(contact.phone())) {
        organization
            .addTelecom()
            .setSystem(ContactPoint.ContactPointSystem.PHONE)
            .setValue(contact.phone());
      }
      if (notBlank(contact.email())) {
        organization
            .addTelecom()
            .setSystem(ContactPoint.ContactPointSystem.EMAIL)
            .setValue(contact.email());
      }
      if (notBlank(contact.website())) {
        organization
            .addTelecom()
            .setSystem(ContactPoint.ContactPointSystem.URL)
            .setValue(contact.website());
      }
    }
    return organization;
  }

  private static List<String> notes(ProviderSettings provider, OutboundReferral referral) {
    List<String> notes = new ArrayList<>();
    if (referral.part2() != null) {
      // 42 CFR 2.32: the notice and the consent's scope go with the disclosure, where a reader of
      // the request sees them first.
      notes.add(referral.part2().notice());
      notes.add(referral.part2().scope().summary());
    }
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

  /** The agency: its identifier and name; the caller adds the literal reference. */
  private static Reference agencyReference(OutboundReferral referral) {
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

  private static boolean sdohCategory(OutboundReferral.Need need) {
    return FhirCodes.SDOHCC_TEMPORARY_CODES.equals(need.system())
        && FhirCodes.SDOH_CATEGORIES.contains(need.code());
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
