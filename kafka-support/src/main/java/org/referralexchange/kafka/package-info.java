/**
 * Kafka as every service's system of record: publish an event and wait for the broker's
 * acknowledgement, rebuild views by reading topics from the beginning, register the topics'
 * schemas, and report readiness. Switched on for any service that depends on this library.
 */
package org.referralexchange.kafka;
