package org.referralexchange.registry.store;

import org.apache.avro.Schema;
import org.referralexchange.schemas.compatibility.CompatibilityLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Confluent's {@code _schemas} key and value formats, written and applied. Keys are serialized with
 * a fixed field order so the same logical key is the same bytes, which compaction relies on.
 * Records this stand-in does not understand (NOOP, MODE, other schema types) are skipped.
 */
public final class LogFormat {

  private static final Logger log = LoggerFactory.getLogger(LogFormat.class);
  private static final JsonMapper json = JsonMapper.builder().build();

  private LogFormat() {}

  /** A schema version: key {@code {"keytype":"SCHEMA","subject":..,"version":..,"magic":1}}. */
  public static LogRecord schema(SchemaVersion version) {
    ObjectNode value = json.createObjectNode();
    value.put("subject", version.subject());
    value.put("version", version.version());
    value.put("id", version.id());
    value.put("schema", version.schema());
    value.put("deleted", version.deleted());
    return new LogRecord(schemaKey(version.subject(), version.version()), value.toString());
  }

  /** Removes a version for good (permanent delete). */
  public static LogRecord schemaTombstone(String subject, int version) {
    return new LogRecord(schemaKey(subject, version), null);
  }

  /** A compatibility level; a null subject is the global config, a null level a tombstone. */
  public static LogRecord config(String subject, CompatibilityLevel level) {
    ObjectNode key = json.createObjectNode();
    key.put("keytype", "CONFIG");
    key.put("subject", subject);
    key.put("magic", 0);
    if (level == null) {
      return new LogRecord(key.toString(), null);
    }
    ObjectNode value = json.createObjectNode();
    value.put("compatibilityLevel", level.name());
    return new LogRecord(key.toString(), value.toString());
  }

  /** Soft-deletes every version of a subject up to {@code version}, as Confluent records it. */
  public static LogRecord deleteSubject(String subject, int version) {
    ObjectNode value = json.createObjectNode();
    value.put("subject", subject);
    value.put("version", version);
    return new LogRecord(deleteSubjectKey(subject), value.toString());
  }

  public static LogRecord deleteSubjectTombstone(String subject) {
    return new LogRecord(deleteSubjectKey(subject), null);
  }

  private static String schemaKey(String subject, int version) {
    ObjectNode key = json.createObjectNode();
    key.put("keytype", "SCHEMA");
    key.put("subject", subject);
    key.put("version", version);
    key.put("magic", 1);
    return key.toString();
  }

  private static String deleteSubjectKey(String subject) {
    ObjectNode key = json.createObjectNode();
    key.put("keytype", "DELETE_SUBJECT");
    key.put("subject", subject);
    key.put("magic", 0);
    return key.toString();
  }

  /**
   * Applies one record from the log to the state. Malformed or foreign records are logged and
   * skipped: one bad record must not stop every instance from starting.
   */
  public static void apply(RegistryState state, String key, String value) {
    try {
      JsonNode keyNode = json.readTree(key);
      String keytype = keyNode.path("keytype").asString("");
      switch (keytype) {
        case "SCHEMA" -> applySchema(state, keyNode, value);
        case "CONFIG" -> applyConfig(state, keyNode, value);
        case "DELETE_SUBJECT" -> {
          if (value != null) {
            JsonNode valueNode = json.readTree(value);
            state.softDeleteSubject(
                keyNode.path("subject").asString(), valueNode.path("version").asInt());
          }
        }
        default -> log.debug("Skipping _schemas record with key {}", key);
      }
    } catch (RuntimeException unreadable) {
      log.warn("Skipping unreadable _schemas record with key {}: {}", key, unreadable.toString());
    }
  }

  private static void applySchema(RegistryState state, JsonNode key, String value) {
    String subject = key.path("subject").asString();
    int version = key.path("version").asInt();
    if (value == null) {
      state.removeVersion(subject, version);
      return;
    }
    JsonNode node = json.readTree(value);
    String type = node.path("schemaType").asString("AVRO");
    if (!"AVRO".equals(type)) {
      log.warn("Skipping {} schema for subject {} version {}: only AVRO", type, subject, version);
      return;
    }
    String canonical = new Schema.Parser().parse(node.path("schema").asString()).toString();
    SchemaVersion record =
        new SchemaVersion(
            subject, version, node.path("id").asInt(), canonical, node.path("deleted").asBoolean());
    if (!state.applySchema(record)) {
      log.info(
          "Ignoring schema record for subject {} version {} id {}: an earlier record claimed it",
          subject,
          version,
          record.id());
    }
  }

  private static void applyConfig(RegistryState state, JsonNode key, String value) {
    JsonNode subjectNode = key.path("subject");
    String subject = subjectNode.isString() ? subjectNode.asString() : null;
    CompatibilityLevel level = null;
    if (value != null) {
      JsonNode levelNode = json.readTree(value).path("compatibilityLevel");
      level = levelNode.isString() ? CompatibilityLevel.parse(levelNode.asString()) : null;
    }
    state.applyConfig(subject, level);
  }
}
