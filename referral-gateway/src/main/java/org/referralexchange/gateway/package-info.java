/**
 * The front door of the exchange: accepts a case manager's referral, checks that an active consent
 * covers this recipient, data and purpose, and only then puts the referral on Kafka.
 */
package org.referralexchange.gateway;
