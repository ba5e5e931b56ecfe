package org.referralexchange.adapter.provider.fhir;

import java.util.Set;

/** The systems and codes this kind writes and reads; one place, so the README can name them. */
final class FhirCodes {

  /** Identifier system of the exchange's referral id, on both ServiceRequest and Task. */
  static final String REFERRAL_ID = "urn:referral-exchange:referral-id";

  /** Identifier system of the exchange's pseudonym for the client, on Patient. */
  static final String CLIENT_PSEUDONYM = "urn:referral-exchange:client-pseudonym";

  /** Identifier system used on Patient only when a referral carries no pseudonym. */
  static final String REFERRAL_CLIENT = "urn:referral-exchange:referral-client";

  /** Identifier system of the referring agency (workforce data). */
  static final String AGENCY_ID = "urn:referral-exchange:agency-id";

  /** Identifier system of the receiving provider (HSDS organization id). */
  static final String PROVIDER_ID = "urn:referral-exchange:provider-id";

  /** Code system of the HSDS service asked for, in ServiceRequest.orderDetail. */
  static final String HSDS_SERVICE_ID = "urn:referral-exchange:hsds-service-id";

  /** Identifier system of the consent that authorises the disclosure. */
  static final String CONSENT_ID = "urn:referral-exchange:consent-id";

  /** Code system of the reasons the exchange writes into Task.statusReason on withdrawal. */
  static final String STATUS_REASON = "urn:referral-exchange:status-reason";

  /** Client identifiers that arrive without a {@code system|} prefix. */
  static final String CLIENT_IDENTIFIER = "urn:referral-exchange:client-identifier";

  /** FHIR Task codes; {@code fulfill} is what SDOHCC uses for a referral Task. */
  static final String TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code";

  static final String FULFILL = "fulfill";

  /** Gravity SDOHCC temporary codes, where {@code resulting-activity} lives. */
  static final String SDOHCC_TEMPORARY_CODES =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";

  static final String RESULTING_ACTIVITY = "resulting-activity";

  /** Code in the temporary codes flagging that the client must not be contacted directly. */
  static final String CONTACTING_SUBJECT_PROHIBITED = "contacting-subject-prohibited";

  /** The SDOH category for a request whose needs name no SDOH category the IG defines. */
  static final String SDOH_CATEGORY_UNSPECIFIED = "sdoh-category-unspecified";

  /**
   * The SDOH categories of the SDOHCC category value set (all from the temporary codes), which
   * {@code ServiceRequest.category} must carry at least one of.
   */
  static final Set<String> SDOH_CATEGORIES =
      Set.of(
          SDOH_CATEGORY_UNSPECIFIED,
          "food-insecurity",
          "housing-instability",
          "homelessness",
          "inadequate-housing",
          "transportation-insecurity",
          "financial-insecurity",
          "material-hardship",
          "educational-attainment",
          "employment-status",
          "veteran-status",
          "stress",
          "social-connection",
          "intimate-partner-violence",
          "elder-abuse",
          "personal-health-literacy",
          "health-insurance-coverage-status",
          "medical-cost-burden",
          "digital-literacy",
          "digital-access",
          "utility-insecurity",
          "language-access",
          "incarceration-status");

  /** Profiles the resources claim; a Gravity server may check them. */
  static final String SDOHCC_SERVICE_REQUEST =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ServiceRequest";

  static final String SDOHCC_TASK =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement";

  static final String SDOHCC_CONSENT =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-Consent";

  static final String US_CORE_PATIENT =
      "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient";

  static final String US_CORE_ORGANIZATION =
      "http://hl7.org/fhir/us/core/StructureDefinition/us-core-organization";

  /** SNOMED CT, the system of every service code. */
  static final String SNOMED_CT = "http://snomed.info/sct";

  /**
   * The service code used when a service has none configured: SNOMED CT "Social service procedure",
   * the broadest procedure the IG itself uses for social care, so the required binding still holds.
   */
  static final String SOCIAL_SERVICE_PROCEDURE = "410606002";

  static final String SOCIAL_SERVICE_PROCEDURE_DISPLAY = "Social service procedure";

  /** Consent vocabulary: the SDOHCC Consent profile fixes scope and category. */
  static final String CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope";

  static final String PATIENT_PRIVACY = "patient-privacy";

  static final String V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

  static final String IDSCL = "IDSCL";

  static final String CONSENT_POLICY = "http://terminology.hl7.org/CodeSystem/consentpolicycodes";

  /** A HIPAA authorisation: what the exchange's consent to share is. */
  static final String HIPAA_AUTH = "hipaa-auth";

  /** The extension that says why a value US Core requires is not there. */
  static final String DATA_ABSENT_REASON =
      "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

  /** Withheld on purpose (the provider's allow-list does not name it). */
  static final String MASKED = "masked";

  /** Not known to the exchange. */
  static final String UNKNOWN = "unknown";

  /** The withdrawal reason that also makes the referral's Consent inactive. */
  static final String CONSENT_REVOKED = "consent-revoked";

  /** HL7 v3 ActCode policy label for 42 CFR Part 2 information (security label, DS4P). */
  static final String PART2_POLICY = "42CFRPart2";

  /** HL7 v3 ActCode refrain policy: no redisclosure without the client's consent (DS4P). */
  static final String NO_REDISCLOSURE = "NORDSCLCD";

  static final String V3_CONFIDENTIALITY =
      "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

  /** Confidentiality "restricted": what DS4P gives substance-use-disorder information. */
  static final String RESTRICTED = "R";

  /** The policy a Part 2 consent is given under: 42 CFR Part 2 itself. */
  static final String CFR_PART2_URI = "https://www.ecfr.gov/current/title-42/part-2";

  /** Language tags in Patient.communication. */
  static final String BCP_47 = "urn:ietf:bcp:47";

  private FhirCodes() {}
}
