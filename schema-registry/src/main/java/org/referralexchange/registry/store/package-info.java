/**
 * The registry's state, kept like Confluent's in a compacted {@code _schemas} topic with
 * Confluent's key and value formats. Every instance tails the topic and applies its records in log
 * order with the same first-writer-wins rule, so instances agree without a leader.
 */
package org.referralexchange.registry.store;
