/**
 * Kafka serializers and a Schema Registry client that speak Confluent's wire format and config
 * keys, so a deployment moves from the stand-in registry to Confluent's by configuration alone.
 */
package org.referralexchange.serde;
