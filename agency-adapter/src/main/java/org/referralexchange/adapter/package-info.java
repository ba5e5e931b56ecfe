/**
 * Delivers referrals from Kafka into each service provider's own system, and brings the provider's
 * answers (received, accepted, declined, completed...) back as status events.
 */
package org.referralexchange.adapter;
