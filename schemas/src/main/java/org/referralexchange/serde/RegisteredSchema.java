package org.referralexchange.serde;

import org.apache.avro.Schema;

/**
 * A schema as the registry knows it.
 *
 * @param subject subject it is registered under
 * @param id global schema id, the one written in each record's header
 * @param version version within the subject
 * @param schema the parsed schema
 */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {}
