package org.referralexchange.registry.store;

/**
 * A record for the {@code _schemas} topic in Confluent's JSON format.
 *
 * @param value null for a tombstone
 */
public record LogRecord(String key, String value) {}
