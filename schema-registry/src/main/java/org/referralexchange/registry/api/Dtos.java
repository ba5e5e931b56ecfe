package org.referralexchange.registry.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import org.referralexchange.registry.store.SchemaVersion;

/** Request and response bodies, named and shaped as Confluent's. */
final class Dtos {

  private Dtos() {}

  /** Body of register, lookup and compatibility requests; other Confluent fields are ignored. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record SchemaRequest(String schema, String schemaType, List<Object> references) {}

  record RegisterResponse(int id) {}

  /** {@code GET /schemas/ids/{id}}; schemaType is omitted for AVRO, as Confluent does. */
  record SchemaString(String schema) {}

  @JsonPropertyOrder({"subject", "version", "id", "schema"})
  record SubjectVersionSchema(String subject, int version, int id, String schema) {

    static SubjectVersionSchema of(SchemaVersion version) {
      return new SubjectVersionSchema(
          version.subject(), version.version(), version.id(), version.schema());
    }
  }

  @JsonPropertyOrder({"subject", "version"})
  record SubjectVersion(String subject, int version) {}

  /** {@code PUT /config}: Confluent reads "compatibility"; "compatibilityLevel" is accepted too. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record ConfigUpdate(String compatibility, String compatibilityLevel) {

    String level() {
      return compatibility != null ? compatibility : compatibilityLevel;
    }
  }

  record ConfigUpdated(String compatibility) {}

  record Config(String compatibilityLevel) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"is_compatible", "messages"})
  record CompatibilityCheck(
      @JsonProperty("is_compatible") boolean isCompatible, List<String> messages) {}

  @JsonPropertyOrder({"error_code", "message"})
  record ErrorMessage(@JsonProperty("error_code") int errorCode, String message) {}
}
