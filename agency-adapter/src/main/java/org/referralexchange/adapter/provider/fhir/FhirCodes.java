package org.referralexchange.adapter.provider.fhir;

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

  /** Language tags in Patient.communication. */
  static final String BCP_47 = "urn:ietf:bcp:47";

  private FhirCodes() {}
}
