/**
 * A stand-in for Confluent Schema Registry for local runs and tests: its REST API subset over a
 * Kafka-backed store. Production uses Confluent's registry.
 */
package org.referralexchange.registry;
