/**
 * The response clock: a referral a provider has not answered by its respondBy time (counted in the
 * provider's business hours) gets a reminder, and after the grace period goes back to the case
 * manager as failed with reason no-response.
 */
package org.referralexchange.adapter.clock;
