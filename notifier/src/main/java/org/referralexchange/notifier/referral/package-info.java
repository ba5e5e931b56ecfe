/**
 * What the notifier knows from the referral topics: each referral's case manager (contact and
 * preferences) and the status and overdue events that call for a notification.
 */
package org.referralexchange.notifier.referral;
