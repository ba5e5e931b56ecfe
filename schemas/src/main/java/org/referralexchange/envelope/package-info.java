/**
 * AEAD envelopes for client identity and free text, so neither ever travels in clear on a topic.
 * The gateway seals and the agency adapter opens with the same code, bound to the referral id.
 */
package org.referralexchange.envelope;
