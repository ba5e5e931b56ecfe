/**
 * The accounting of disclosures (42 CFR 2.24, 45 CFR 164.528): one {@code DisclosureRecorded} per
 * delivery and per withdrawal a provider acknowledged, naming categories, recipient, consent and
 * time, never content. The topic is also the memory of what was recorded, so nothing is recorded
 * twice.
 */
package org.referralexchange.adapter.disclosure;
