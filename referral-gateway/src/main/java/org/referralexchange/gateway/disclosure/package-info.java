/**
 * The accounting of disclosures an agency gives its client (42 CFR 2.24, 45 CFR 164.528): every
 * delivery and withdrawal of the client's referrals, read from {@code consent.disclosures}.
 */
package org.referralexchange.gateway.disclosure;
