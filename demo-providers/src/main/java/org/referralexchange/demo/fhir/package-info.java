/**
 * A demo provider with a FHIR R4 server: the exchange's {@code fhir} kind creates Gravity SDOHCC
 * Tasks there, and the provider answers by changing them.
 */
package org.referralexchange.demo.fhir;
