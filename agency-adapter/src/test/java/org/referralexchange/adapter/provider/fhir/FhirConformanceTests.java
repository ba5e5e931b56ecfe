package org.referralexchange.adapter.provider.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.OutboundReferral.Client;
import org.referralexchange.adapter.provider.OutboundReferral.Narrative;
import org.referralexchange.adapter.provider.OutboundReferral.Need;
import org.referralexchange.adapter.provider.OutboundReferral.Requester;
import org.referralexchange.adapter.provider.Part2Disclosure;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderSettings.ServiceOffering;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.demo.fhir.InMemoryFhirServer;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * What a Gravity SDOHCC server would check of what the fhir kind sends. Every resource the
 * translator produces, across the cases that change it, passes HAPI's instance validator against
 * base FHIR R4 with no error (the SDOHCC and US Core packages are not available here); each SDOHCC
 * or US Core constraint the exchange relies on beyond base R4 is a named check below, written from
 * the IG's profile pages; and the whole round trip runs against a real HAPI server on loopback.
 */
class FhirConformanceTests {

  private static final String SDOH = FhirCodes.SDOHCC_TEMPORARY_CODES;
  private static final String SCT = "http://snomed.info/sct";
  private static final Instant AUTHORED = Instant.parse("2025-03-03T14:15:30.250Z");
  private static final Instant RESPOND_BY = Instant.parse("2025-03-05T22:00:00Z");
  private static final Set<String> ALL_FIELDS =
      Set.of(
          "givenName",
          "familyName",
          "birthDate",
          "phone",
          "email",
          "address",
          "identifiers",
          "preferredLanguage",
          "narrative");

  private static FhirContext fhir;
  private static FhirValidator validator;
  private static FhirProviderAdapter adapter;

  private InMemoryFhirServer server;

  @BeforeAll
  static void createValidator() {
    fhir = FhirContext.forR4();
    UnknownCodeSystemWarningValidationSupport unknownCodeSystems =
        new UnknownCodeSystemWarningValidationSupport(fhir);
    // SNOMED CT and the SDOHCC temporary codes are not in the base packages: a warning, not an
    // error, so the check stays on structure, cardinality and the base bindings.
    unknownCodeSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
    ValidationSupportChain support =
        new ValidationSupportChain(
            new DefaultProfileValidationSupport(fhir),
            new InMemoryTerminologyServerValidationSupport(fhir),
            new CommonCodeSystemsTerminologyService(fhir),
            unknownCodeSystems);
    FhirInstanceValidator instanceValidator = new FhirInstanceValidator(support);
    // The SDOHCC and US Core profiles the resources claim are unknown here (warned, not failed);
    // their constraints are the named checks below.
    instanceValidator.setErrorForUnknownProfiles(false);
    validator = fhir.newValidator().registerValidatorModule(instanceValidator);
    adapter = new FhirProviderAdapter();
  }

  @AfterAll
  static void forget() {
    validator = null;
    adapter = null;
    fhir = null;
  }

  @BeforeEach
  void startServer() throws Exception {
    server = InMemoryFhirServer.start(fhir);
  }

  @AfterEach
  void stopServer() throws Exception {
    server.close();
  }

  // --- base R4: no error in anything the translator produces ---

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("full allow-list, urgent, contact prohibited", ALL_FIELDS, referral()),
        Arguments.of("empty allow-list", Set.of(), referral()),
        Arguments.of(
            "routine, contact allowed",
            ALL_FIELDS,
            referral().withPriority("ROUTINE").withContactingSubjectProhibited(false)),
        Arguments.of("no goals", ALL_FIELDS, referral().withNarrative("Needs food", List.of())),
        Arguments.of("no narrative", ALL_FIELDS, referral().withNarrative(null, null)),
        Arguments.of("no consent id", ALL_FIELDS, referral().withConsentId(null)),
        Arguments.of("no client at all", ALL_FIELDS, referral().withClient(null)),
        Arguments.of(
            "needs coded outside the SDOH categories",
            ALL_FIELDS,
            referral().withNeeds(List.of(new Need(SCT, "733423003", "Food insecurity")))),
        Arguments.of("no agency id", ALL_FIELDS, referral().withRequester(null)),
        Arguments.of("no respondBy", ALL_FIELDS, referral().withRespondBy(null)),
        Arguments.of("Part 2 disclosure", ALL_FIELDS, referral().withPart2(PART2)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyResourceOfTheDeliveryTransactionIsValidR4(
      String name, Set<String> allowed, Builder referral) {
    Bundle transaction = ReferralTranslator.transaction(provider(allowed), referral.build(), null);

    assertNoErrors(transaction);
    for (Bundle.BundleEntryComponent entry : transaction.getEntry()) {
      assertNoErrors(entry.getResource());
    }
  }

  @Test
  void theTransactionWithAConfiguredServiceCodeAndOrganizationIsValidR4() {
    Bundle transaction =
        ReferralTranslator.transaction(codedProvider(), referral().build(), "Organization/77");

    assertNoErrors(transaction);
    assertThat(resources(transaction, Organization.class))
        .as("the configured provider Organization is referenced, not created")
        .hasSize(1);
  }

  @Test
  void resourcesAsStoredAfterDeliveryWithdrawalForRevokedConsentAndCompletionAreValidR4() {
    DeliveryReceipt first = adapter.deliver(provider(ALL_FIELDS), referral().build());
    DeliveryReceipt second =
        adapter.deliver(provider(ALL_FIELDS), referral().withReferralId("ref-2").build());
    adapter.withdraw(
        provider(ALL_FIELDS),
        new TrackedReferral("ref-1", first.providerReference()),
        "consent-revoked",
        "The client revoked consent");
    completeWithProcedure(second.providerReference());
    adapter.poll(
        provider(ALL_FIELDS), List.of(new TrackedReferral("ref-2", second.providerReference())));

    List<Resource> stored = new ArrayList<>();
    Stream.of(
            Patient.class,
            Organization.class,
            Consent.class,
            ServiceRequest.class,
            Task.class,
            Procedure.class)
        .forEach(type -> stored.addAll(server.all(type)));
    assertThat(stored).hasSizeGreaterThanOrEqualTo(9);
    stored.forEach(this::assertNoErrors);
  }

  // --- SDOHCC ServiceRequest (SDOHCC-ServiceRequest profile page) ---

  static final Part2Disclosure PART2 =
      Part2Disclosure.of(
          new Part2Disclosure.Scope(
              "consent-42",
              List.of("prov-eastside"),
              List.of(),
              null,
              null,
              List.of("SOCIAL_NEEDS", "SUBSTANCE_USE_DISORDER"),
              "TREAT",
              Instant.parse("2026-12-31T23:59:59Z"),
              null));

  /**
   * A Part 2 delivery labels what holds or points at the information (HL7 DS4P: 42CFRPart2,
   * restricted, NORDSCLCD), puts the 42 CFR 2.32 notice and the consent's scope first among the
   * ServiceRequest's notes, and names 42 CFR Part 2 as its Consent's policy; other deliveries carry
   * none.
   */
  @Test
  void part2DeliveryIsLabelledAndCarriesTheNoticeAndScope() {
    Bundle part2 =
        ReferralTranslator.transaction(
            provider(ALL_FIELDS), referral().withPart2(PART2).build(), null);
    for (Bundle.BundleEntryComponent entry : part2.getEntry()) {
      Resource resource = entry.getResource();
      List<String> labels =
          resource.getMeta().getSecurity().stream()
              .map(c -> c.getSystem() + "|" + c.getCode())
              .toList();
      if (resource instanceof Organization) {
        assertThat(labels).as(resource.fhirType()).isEmpty();
      } else {
        assertThat(labels)
            .as(resource.fhirType())
            .containsExactlyInAnyOrder(
                "http://terminology.hl7.org/CodeSystem/v3-ActCode|42CFRPart2",
                "http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R",
                "http://terminology.hl7.org/CodeSystem/v3-ActCode|NORDSCLCD");
      }
    }
    ServiceRequest request =
        part2.getEntry().stream()
            .map(Bundle.BundleEntryComponent::getResource)
            .filter(ServiceRequest.class::isInstance)
            .map(ServiceRequest.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(request.getNote().get(0).getText())
        .isEqualTo("42 CFR part 2 prohibits unauthorized use or disclosure of these records.");
    assertThat(request.getNote().get(1).getText())
        .contains("consent-42", "prov-eastside", "SUBSTANCE_USE_DISORDER", "TREAT", "2026-12-31");
    Consent consent =
        part2.getEntry().stream()
            .map(Bundle.BundleEntryComponent::getResource)
            .filter(Consent.class::isInstance)
            .map(Consent.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(consent.getPolicy())
        .extracting(Consent.ConsentPolicyComponent::getUri)
        .containsExactly("https://www.ecfr.gov/current/title-42/part-2");

    Bundle plain = ReferralTranslator.transaction(provider(ALL_FIELDS), referral().build(), null);
    assertThat(plain.getEntry())
        .allSatisfy(e -> assertThat(e.getResource().getMeta().getSecurity()).isEmpty());
  }

  @Test
  void serviceRequestHasSdohccProfile() {
    assertThat(serviceRequest(referral()).getMeta().getProfile())
        .extracting(profile -> profile.getValue())
        .containsExactly(
            "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ServiceRequest");
  }

  @Test
  void serviceRequestHasAtLeastOneSdohCategoryFromTheRequiredValueSet() {
    assertThat(categories(serviceRequest(referral())))
        .containsExactly(tuple(SDOH, "food-insecurity"), tuple(SDOH, "housing-instability"));
    // Needs coded outside the SDOH category value set: the IG's own "unspecified" category.
    assertThat(
            categories(
                serviceRequest(
                    referral().withNeeds(List.of(new Need(SCT, "733423003", "Food insecurity"))))))
        .containsExactly(tuple(SCT, "733423003"), tuple(SDOH, "sdoh-category-unspecified"));
  }

  @Test
  void serviceRequestCodeIsTheConfiguredSnomedCtProcedureElseSocialServiceProcedure() {
    ServiceRequest coded =
        ReferralTranslator.serviceRequest(
            codedProvider(), referral().build(), "urn:uuid:p", agency(), owner(), null);
    assertThat(coded.getCode().getCoding())
        .extracting(Coding::getSystem, Coding::getCode, Coding::getDisplay)
        .containsExactly(tuple(SCT, "710925007", "Provision of food"));
    assertThat(coded.getCode().getText()).isEqualTo("Emergency groceries");

    ServiceRequest uncoded = serviceRequest(referral());
    assertThat(uncoded.getCode().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple(SCT, "410606002"));
    assertThat(uncoded.getCode().getText()).isEqualTo("emergency-groceries");
  }

  @Test
  void contactingSubjectProhibitedIsTheFixedOrderDetailCodingNotANote() {
    ServiceRequest prohibited = serviceRequest(referral());
    assertThat(prohibited.getOrderDetail())
        .flatExtracting(CodeableConcept::getCoding)
        .extracting(Coding::getSystem, Coding::getCode)
        .contains(tuple(SDOH, "contacting-subject-prohibited"));
    assertThat(prohibited.getNote())
        .extracting(note -> note.getText().toLowerCase(java.util.Locale.ROOT))
        .noneMatch(text -> text.contains("contact the client"));

    ServiceRequest allowed = serviceRequest(referral().withContactingSubjectProhibited(false));
    assertThat(allowed.getOrderDetail())
        .flatExtracting(CodeableConcept::getCoding)
        .extracting(Coding::getCode)
        .doesNotContain("contacting-subject-prohibited");
  }

  @Test
  void serviceRequestOccurrenceEndsAtRespondBy() {
    ServiceRequest request = serviceRequest(referral());
    assertThat(request.getOccurrencePeriod().getEnd()).isEqualTo(Date.from(RESPOND_BY));
    assertThat(request.getOccurrencePeriod().getStart()).isEqualTo(Date.from(AUTHORED));
    assertThat(serviceRequest(referral().withRespondBy(null)).hasOccurrence()).isFalse();
  }

  @Test
  void serviceRequestSupportingInfoReferencesTheSdohccConsent() {
    Bundle transaction =
        ReferralTranslator.transaction(provider(ALL_FIELDS), referral().build(), null);
    Consent consent = resources(transaction, Consent.class).get(0);
    ServiceRequest request = resources(transaction, ServiceRequest.class).get(0);

    assertThat(request.getSupportingInfo())
        .extracting(Reference::getReference)
        .containsExactly(fullUrl(transaction, consent));
  }

  // --- SDOHCC Task for Referral Management ---

  @Test
  void taskHasSdohccProfile() {
    assertThat(task(referral()).getMeta().getProfile())
        .extracting(profile -> profile.getValue())
        .containsExactly(
            "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement");
  }

  @Test
  void taskHasFulfillCodeFixedValue() {
    assertThat(task(referral()).getCode().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple("http://hl7.org/fhir/CodeSystem/task-code", "fulfill"));
  }

  @Test
  void taskIntentIsFixedToOrder() {
    assertThat(task(referral()).getIntent()).isEqualTo(Task.TaskIntent.ORDER);
  }

  @Test
  void taskHasItsRequiredFocusForAuthoredOnAndRequesterAsLiteralReferences() {
    Bundle transaction =
        ReferralTranslator.transaction(provider(ALL_FIELDS), referral().build(), null);
    Task task = resources(transaction, Task.class).get(0);
    ServiceRequest request = resources(transaction, ServiceRequest.class).get(0);
    Patient patient = resources(transaction, Patient.class).get(0);
    List<Organization> organizations = resources(transaction, Organization.class);

    assertThat(task.getFocus().getReference()).isEqualTo(fullUrl(transaction, request));
    assertThat(task.getFor().getReference()).isEqualTo(fullUrl(transaction, patient));
    assertThat(task.hasAuthoredOn()).isTrue();
    assertThat(task.getRequester().getReference())
        .isEqualTo(fullUrl(transaction, organizationWith(organizations, FhirCodes.AGENCY_ID)));
    assertThat(task.getOwner().getReference())
        .isEqualTo(fullUrl(transaction, organizationWith(organizations, FhirCodes.PROVIDER_ID)));
    assertThat(request.getRequester().getReference()).isEqualTo(task.getRequester().getReference());
    assertThat(request.getPerformerFirstRep().getReference())
        .isEqualTo(task.getOwner().getReference());
  }

  @Test
  void taskStatusIsRequestedNeverReceivedOrReady() {
    assertThat(task(referral()).getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
  }

  @Test
  void cancelledTaskHasStatusReasonTextAndTheRealReasonCode() {
    DeliveryReceipt receipt = adapter.deliver(provider(ALL_FIELDS), referral().build());
    adapter.withdraw(
        provider(ALL_FIELDS),
        new TrackedReferral("ref-1", receipt.providerReference()),
        "consent-revoked",
        "The client revoked consent");

    Task task = server.all(Task.class).get(0);
    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
    assertThat(task.getStatusReason().getText()).isEqualTo("The client revoked consent");
    assertThat(task.getStatusReason().getCoding())
        .extracting(Coding::getCode)
        .containsExactly("consent-revoked");
  }

  // --- SDOHCC Consent ---

  @Test
  void consentHasTheSdohccFixedValuesAndRequiredElements() {
    Bundle transaction =
        ReferralTranslator.transaction(provider(ALL_FIELDS), referral().build(), null);
    Consent consent = resources(transaction, Consent.class).get(0);
    Patient patient = resources(transaction, Patient.class).get(0);
    Organization agency =
        organizationWith(resources(transaction, Organization.class), FhirCodes.AGENCY_ID);

    assertThat(consent.getMeta().getProfile())
        .extracting(profile -> profile.getValue())
        .containsExactly(
            "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-Consent");
    assertThat(consent.getStatus()).isEqualTo(Consent.ConsentState.ACTIVE);
    assertThat(consent.getScope().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(
            tuple("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"));
    assertThat(consent.getCategory())
        .flatExtracting(CodeableConcept::getCoding)
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IDSCL"));
    assertThat(consent.getPatient().getReference()).isEqualTo(fullUrl(transaction, patient));
    assertThat(consent.hasDateTime()).isTrue();
    assertThat(consent.getOrganization())
        .extracting(Reference::getReference)
        .containsExactly(fullUrl(transaction, agency));
    assertThat(consent.hasSource()).as("source[x] is 1..").isTrue();
    assertThat(consent.getIdentifier())
        .extracting(Identifier::getSystem, Identifier::getValue)
        .containsExactly(tuple(FhirCodes.CONSENT_ID, "consent-42"));
  }

  // --- US Core Patient and Organization ---

  @Test
  void patientHasUsCoreRequiredElements() {
    Patient full = patient(ALL_FIELDS, referral());
    assertThat(full.getIdentifier()).allMatch(id -> id.hasSystem() && id.hasValue());
    assertThat(full.getNameFirstRep().getFamily()).isEqualTo("Doe");
    assertThat(full.getGender())
        .as("the exchange holds no gender: the required binding's own unknown")
        .isEqualTo(Enumerations.AdministrativeGender.UNKNOWN);

    Patient none = patient(Set.of(), referral());
    assertThat(none.getIdentifier()).hasSize(1);
    assertThat(none.getIdentifierFirstRep().hasSystem()).isTrue();
    assertThat(none.getName()).hasSize(1);
    assertThat(none.getNameFirstRep().hasFamily() || none.getNameFirstRep().hasGiven()).isFalse();
    assertThat(absentReason(none.getNameFirstRep().getExtensionByUrl(FhirCodes.DATA_ABSENT_REASON)))
        .as("a name the allow-list withholds is masked")
        .isEqualTo("masked");
    assertThat(none.hasBirthDate() || none.hasTelecom() || none.hasAddress()).isFalse();

    Patient nameless = patient(ALL_FIELDS, referral().withClient(null));
    assertThat(
            absentReason(
                nameless.getNameFirstRep().getExtensionByUrl(FhirCodes.DATA_ABSENT_REASON)))
        .as("a name the exchange does not have is unknown")
        .isEqualTo("unknown");
  }

  /**
   * The exchange removed the names before translation (the consent does not cover them) and says
   * so: every field is allow-listed, yet the name is masked, not unknown.
   */
  @Test
  void aNameTheConsentWithholdsIsMaskedNotUnknown() {
    Patient withheld =
        patient(
            ALL_FIELDS,
            referral().withClient(null).withWithheldFields(Set.of("givenName", "familyName")));

    assertThat(withheld.getNameFirstRep().hasFamily() || withheld.getNameFirstRep().hasGiven())
        .isFalse();
    assertThat(
            absentReason(
                withheld.getNameFirstRep().getExtensionByUrl(FhirCodes.DATA_ABSENT_REASON)))
        .isEqualTo("masked");
  }

  @Test
  void patientCarriesOnlyAllowListedDataWhateverUsCoreAsks() {
    String encoded =
        fhir.newJsonParser().encodeResourceToString(patient(Set.of("givenName"), referral()));

    assertThat(encoded).contains("Jane").doesNotContain("Doe", "1980", "555", "Elm", "MRN-4471");
  }

  @Test
  void organizationsHaveUsCoreRequiredElements() {
    Bundle transaction =
        ReferralTranslator.transaction(provider(ALL_FIELDS), referral().build(), null);
    List<Organization> organizations = resources(transaction, Organization.class);

    assertThat(organizations).hasSize(2);
    for (Organization organization : organizations) {
      assertThat(organization.getActive()).isTrue();
      assertThat(organization.getName()).isNotBlank();
      assertThat(organization.getIdentifier()).allMatch(id -> id.hasSystem() && id.hasValue());
    }
  }

  // --- against the real server ---

  @Test
  void deliverThenWithdrawForRevokedConsentLeavesTaskCancelledRequestRevokedConsentInactive() {
    DeliveryReceipt receipt = adapter.deliver(provider(ALL_FIELDS), referral().build());

    adapter.withdraw(
        provider(ALL_FIELDS),
        new TrackedReferral("ref-1", receipt.providerReference()),
        "consent-revoked",
        "The client revoked consent");

    assertThat(server.all(Task.class).get(0).getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
    assertThat(server.all(ServiceRequest.class).get(0).getStatus())
        .isEqualTo(ServiceRequest.ServiceRequestStatus.REVOKED);
    assertThat(server.all(Consent.class)).hasSize(1);
    assertThat(server.all(Consent.class).get(0).getStatus())
        .isEqualTo(Consent.ConsentState.INACTIVE);
  }

  @Test
  void aWithdrawalForAnotherReasonLeavesTheConsentActive() {
    DeliveryReceipt receipt = adapter.deliver(provider(ALL_FIELDS), referral().build());

    adapter.withdraw(
        provider(ALL_FIELDS),
        new TrackedReferral("ref-1", receipt.providerReference()),
        "cancelled",
        "The case manager cancelled the referral");

    assertThat(server.all(Task.class).get(0).getStatusReason().getCodingFirstRep().getCode())
        .isEqualTo("cancelled");
    assertThat(server.all(Consent.class).get(0).getStatus()).isEqualTo(Consent.ConsentState.ACTIVE);
  }

  @Test
  void withdrawalReadsAgainWhenTheProviderChangesTheTaskMeanwhileAndKeepsItsChange() {
    DeliveryReceipt receipt = adapter.deliver(provider(ALL_FIELDS), referral().build());
    String id = receipt.providerReference().substring("Task/".length());
    server.beforeNextTaskUpdate(
        () -> server.providerChangesTask(id, task -> task.addNote().setText("Called the agency")));

    adapter.withdraw(
        provider(ALL_FIELDS),
        new TrackedReferral("ref-1", receipt.providerReference()),
        "consent-revoked",
        "The client revoked consent");

    Task task = server.read(Task.class, id);
    assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
    assertThat(task.getNote()).extracting(note -> note.getText()).contains("Called the agency");
    assertThat(task.getMeta().getVersionId()).isEqualTo("3");
    assertThat(server.all(ServiceRequest.class).get(0).getStatus())
        .isEqualTo(ServiceRequest.ServiceRequestStatus.REVOKED);
  }

  @Test
  void deliveringTwiceCreatesNothingNew() {
    DeliveryReceipt first = adapter.deliver(provider(ALL_FIELDS), referral().build());
    int[] counts = counts();

    DeliveryReceipt second = adapter.deliver(provider(ALL_FIELDS), referral().build());

    assertThat(second).isEqualTo(first);
    assertThat(counts()).containsExactly(counts);
    assertThat(counts).containsExactly(1, 2, 1, 1, 1);
  }

  @Test
  void theProvidersOwnOrganizationIsFoundByIdentifierAndReferencedNotCreated() {
    Organization own = new Organization().setName("Eastside Food Bank").setActive(true);
    own.addIdentifier().setSystem(FhirCodes.PROVIDER_ID).setValue("prov-eastside");
    String reference = server.providerCreates(own);

    adapter.deliver(provider(ALL_FIELDS), referral().build());

    assertThat(server.all(Organization.class)).hasSize(2); // its own and the agency's
    assertThat(server.all(Task.class).get(0).getOwner().getReference()).isEqualTo(reference);
    assertThat(server.all(ServiceRequest.class).get(0).getPerformerFirstRep().getReference())
        .isEqualTo(reference);
  }

  @Test
  void aConfiguredOrganizationIsReferencedAsConfigured() {
    adapter.deliver(codedProvider(), referral().build());

    assertThat(server.all(Task.class).get(0).getOwner().getReference())
        .isEqualTo("Organization/77");
    assertThat(server.all(Organization.class))
        .extracting(org -> org.getIdentifierFirstRep().getSystem())
        .containsExactly(FhirCodes.AGENCY_ID);
  }

  @Test
  void aCompletedTaskWithAProcedureOutputYieldsTheOutcomeAndCompletesTheServiceRequest() {
    DeliveryReceipt receipt = adapter.deliver(provider(ALL_FIELDS), referral().build());
    completeWithProcedure(receipt.providerReference());

    List<ProviderStatusUpdate> updates =
        adapter.poll(
            provider(ALL_FIELDS),
            List.of(new TrackedReferral("ref-1", receipt.providerReference())));

    assertThat(updates).hasSize(1);
    ProviderStatusUpdate update = updates.get(0);
    assertThat(update.status()).isEqualTo(ReferralStatus.COMPLETED);
    assertThat(update.outcome().delivered())
        .isEqualTo("Provision of food (performed 2025-03-04); Food pantry application assistance");
    assertThat(update.outcome().costAmount()).isEqualByComparingTo("42.50");
    assertThat(server.all(ServiceRequest.class).get(0).getStatus())
        .isEqualTo(ServiceRequest.ServiceRequestStatus.COMPLETED);
  }

  // --- helpers ---

  /** Plays the provider: records a Procedure, then completes the Task with it as an output. */
  private void completeWithProcedure(String taskReference) {
    String taskId = taskReference.substring("Task/".length());
    Task current = server.read(Task.class, taskId);
    Procedure procedure = new Procedure();
    procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
    procedure.setCode(
        new CodeableConcept().addCoding(new Coding(SCT, "710925007", "Provision of food")));
    procedure.setSubject(current.getFor().copy());
    procedure.setPerformed(new DateTimeType("2025-03-04"));
    String procedureReference = server.providerCreates(procedure);
    CodeableConcept resultingActivity =
        new CodeableConcept().addCoding(new Coding(SDOH, "resulting-activity", null));
    server.providerChangesTask(
        taskId,
        task -> {
          task.setStatus(Task.TaskStatus.COMPLETED).setLastModified(new Date());
          task.addOutput()
              .setType(resultingActivity.copy())
              .setValue(new Reference(procedureReference));
          task.addOutput()
              .setType(resultingActivity.copy())
              .setValue(
                  new CodeableConcept()
                      .addCoding(
                          new Coding(
                              SCT, "467771000124109", "Food pantry application assistance")));
          task.addOutput()
              .setType(resultingActivity.copy())
              .setValue(new Money().setValue(new BigDecimal("42.50")).setCurrency("USD"));
        });
  }

  private int[] counts() {
    return new int[] {
      server.all(Patient.class).size(),
      server.all(Organization.class).size(),
      server.all(Consent.class).size(),
      server.all(ServiceRequest.class).size(),
      server.all(Task.class).size()
    };
  }

  private void assertNoErrors(IBaseResource resource) {
    ValidationResult result = validator.validateWithResult(resource);
    List<String> errors =
        result.getMessages().stream()
            .filter(
                message ->
                    message.getSeverity() == ResultSeverityEnum.ERROR
                        || message.getSeverity() == ResultSeverityEnum.FATAL)
            .map(FhirConformanceTests::describe)
            .toList();
    assertThat(errors).as(resource.fhirType() + " validated against base R4").isEmpty();
  }

  private static String describe(SingleValidationMessage message) {
    return message.getLocationString() + ": " + message.getMessage();
  }

  private static <T extends Resource> List<T> resources(Bundle bundle, Class<T> type) {
    return bundle.getEntry().stream()
        .map(Bundle.BundleEntryComponent::getResource)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  private static String fullUrl(Bundle bundle, Resource resource) {
    return bundle.getEntry().stream()
        .filter(entry -> entry.getResource() == resource)
        .findFirst()
        .orElseThrow()
        .getFullUrl();
  }

  private static Organization organizationWith(List<Organization> organizations, String system) {
    return organizations.stream()
        .filter(org -> system.equals(org.getIdentifierFirstRep().getSystem()))
        .findFirst()
        .orElseThrow();
  }

  private static String absentReason(Extension extension) {
    return extension == null ? null : ((CodeType) extension.getValue()).getValue();
  }

  private static List<org.assertj.core.groups.Tuple> categories(ServiceRequest request) {
    return request.getCategory().stream()
        .flatMap(concept -> concept.getCoding().stream())
        .map(coding -> tuple(coding.getSystem(), coding.getCode()))
        .toList();
  }

  private ServiceRequest serviceRequest(Builder referral) {
    return resources(
            ReferralTranslator.transaction(provider(ALL_FIELDS), referral.build(), null),
            ServiceRequest.class)
        .get(0);
  }

  private Task task(Builder referral) {
    return resources(
            ReferralTranslator.transaction(provider(ALL_FIELDS), referral.build(), null),
            Task.class)
        .get(0);
  }

  private Patient patient(Set<String> allowed, Builder referral) {
    return resources(
            ReferralTranslator.transaction(provider(allowed), referral.build(), null),
            Patient.class)
        .get(0);
  }

  private static Reference agency() {
    return new Reference("urn:uuid:agency").setDisplay("Northside Clinic");
  }

  private static Reference owner() {
    return new Reference("Organization/77").setDisplay("Eastside Food Bank");
  }

  private ProviderSettings provider(Set<String> allowed) {
    return new ProviderSettings(
        "prov-eastside",
        "Eastside Food Bank",
        "fhir",
        URI.create(server.baseUrl()),
        "",
        allowed,
        ZoneId.of("America/Chicago"),
        LocalTime.of(9, 0),
        LocalTime.of(17, 0),
        Duration.ofDays(2),
        Duration.ofDays(2),
        Duration.ofMinutes(15),
        true,
        List.of(),
        null,
        new ProviderSettings.Contact("+1 555 0100", "intake@eastside.example", null),
        Set.of());
  }

  private ProviderSettings codedProvider() {
    ProviderSettings plain = provider(ALL_FIELDS);
    return new ProviderSettings(
        plain.id(),
        plain.name(),
        plain.kind(),
        plain.endpoint(),
        plain.secret(),
        plain.allowedFields(),
        plain.zone(),
        plain.opensAt(),
        plain.closesAt(),
        plain.responseWindow(),
        plain.grace(),
        plain.pollInterval(),
        true,
        List.of(
            new ServiceOffering(
                "emergency-groceries", "Emergency groceries", "710925007", "Provision of food")),
        "Organization/77",
        null,
        Set.of());
  }

  private static Builder referral() {
    return new Builder();
  }

  /** A referral with every field set; each {@code with} changes one thing a case varies. */
  static final class Builder {
    private String referralId = "ref-1";
    private String priority = "URGENT";
    private Instant respondBy = RESPOND_BY;
    private Requester requester =
        new Requester("agency-north", "Northside Clinic", "Casey Morgan", "casey@north.example");
    private List<Need> needs =
        List.of(
            new Need(SDOH, "food-insecurity", "Food Insecurity"),
            new Need(SDOH, "housing-instability", "Housing Instability"));
    private Client client =
        new Client(
            "px-7f3a",
            "Jane",
            "Doe",
            LocalDate.of(1980, 4, 2),
            "+15551234567",
            "jane@example.org",
            List.of("12 Elm St"),
            "Springfield",
            "IL",
            "62701",
            List.of("urn:county:mrn|MRN-4471"),
            "es");
    private Narrative narrative =
        new Narrative("Needs groceries for a family of four", List.of("Stable food supply"), null);
    private boolean contactingSubjectProhibited = true;
    private String consentId = "consent-42";
    private Part2Disclosure part2;
    private Set<String> withheldFields = Set.of();

    Builder withWithheldFields(Set<String> value) {
      withheldFields = value;
      return this;
    }

    Builder withPart2(Part2Disclosure value) {
      part2 = value;
      return this;
    }

    Builder withReferralId(String value) {
      referralId = value;
      return this;
    }

    Builder withPriority(String value) {
      priority = value;
      return this;
    }

    Builder withRespondBy(Instant value) {
      respondBy = value;
      return this;
    }

    Builder withRequester(Requester value) {
      requester = value;
      return this;
    }

    Builder withNeeds(List<Need> value) {
      needs = value;
      return this;
    }

    Builder withClient(Client value) {
      client = value;
      return this;
    }

    Builder withNarrative(String description, List<String> goals) {
      narrative =
          description == null && goals == null ? null : new Narrative(description, goals, null);
      return this;
    }

    Builder withContactingSubjectProhibited(boolean value) {
      contactingSubjectProhibited = value;
      return this;
    }

    Builder withConsentId(String value) {
      consentId = value;
      return this;
    }

    OutboundReferral build() {
      return new OutboundReferral(
          referralId,
          "prov-eastside",
          "emergency-groceries",
          priority,
          AUTHORED,
          respondBy,
          requester,
          needs,
          client,
          narrative,
          contactingSubjectProhibited,
          consentId,
          part2,
          withheldFields);
    }

    @Override
    public String toString() {
      return "referral " + referralId;
    }
  }
}
