/**
 * Kafka is the gateway's system of record: it publishes events and waits for the broker's
 * acknowledgement, and it rebuilds its view of consents and referrals by reading the topics.
 */
package org.referralexchange.gateway.kafka;
