package org.referralexchange.registry.store;

/**
 * One version of a subject as the log recorded it.
 *
 * @param schema the schema in Avro's canonical {@code Schema.toString()} form
 * @param deleted soft-deleted: hidden from listings, still served by id
 */
public record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) {

  SchemaVersion asDeleted() {
    return new SchemaVersion(subject, version, id, schema, true);
  }

  boolean sameContent(SchemaVersion other) {
    return id == other.id && schema.equals(other.schema);
  }
}
