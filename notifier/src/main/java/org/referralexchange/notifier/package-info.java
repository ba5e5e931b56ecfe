/**
 * Tells case managers by email and SMS when a referral they issued changes status, so they can
 * follow up until the client actually gets the service.
 */
package org.referralexchange.notifier;
