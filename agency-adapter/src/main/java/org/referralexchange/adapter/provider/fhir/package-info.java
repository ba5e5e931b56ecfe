/**
 * The {@code fhir} provider kind: delivers a referral to a provider's FHIR R4 server as a Gravity
 * SDOHCC ServiceRequest + Task and reads the provider's answers back from the Task it updates.
 */
package org.referralexchange.adapter.provider.fhir;
