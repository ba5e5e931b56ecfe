/**
 * Confluent Schema Registry's REST API (the subset serializers and operators use), with its media
 * type {@code application/vnd.schemaregistry.v1+json} and its {@code {"error_code","message"}}
 * error bodies, so Confluent's clients work against this stand-in unchanged.
 */
package org.referralexchange.registry.api;
