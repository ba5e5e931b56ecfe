package org.referralexchange.registry.schema;

import java.util.List;
import org.apache.avro.Schema;

/**
 * A schema as a request gives it, checked and parsed.
 *
 * @param parsed the Avro schema; {@code parsed.toString()} is the canonical form that is stored and
 *     compared
 */
public record SchemaInput(Schema parsed) {

  /**
   * Parses a request's schema.
   *
   * @throws RegistryException 42201 for an empty or invalid schema, a type other than AVRO, or
   *     references
   */
  public static SchemaInput parse(String schema, String schemaType, List<?> references) {
    if (schemaType != null && !"AVRO".equalsIgnoreCase(schemaType)) {
      throw RegistryException.invalidSchema(
          "Invalid schema type "
              + schemaType
              + ": this stand-in registry supports only AVRO schemas");
    }
    if (references != null && !references.isEmpty()) {
      throw RegistryException.invalidSchema(
          "Schema references are not supported by this stand-in registry; inline the referenced"
              + " types");
    }
    if (schema == null || schema.isBlank()) {
      throw RegistryException.invalidSchema("Empty schema");
    }
    try {
      return new SchemaInput(new Schema.Parser().parse(schema));
    } catch (RuntimeException invalid) {
      throw RegistryException.invalidSchema("Invalid schema: " + invalid.getMessage());
    }
  }

  /** The canonical form: Avro's {@code Schema.toString()}. */
  public String canonical() {
    return parsed.toString();
  }
}
