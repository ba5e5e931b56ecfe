package org.referralexchange.registry.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;
import org.referralexchange.schemas.compatibility.CompatibilityLevel;

/**
 * What the {@code _schemas} log says, built by applying its records in order. Plain Java, no Kafka:
 * the rules here decide which of two racing writers wins, and every instance must decide the same.
 *
 * <p>First writer wins: a schema record is ignored when its subject version is already bound to a
 * different schema or id, when its id is already bound to a different schema, or when its schema
 * already has a different id. Config records are last-writer-wins. An id stays bound to its schema
 * for the life of the log, even after its versions are permanently deleted, so it is never reused
 * for another schema.
 */
public final class RegistryState {

  private final Map<String, NavigableMap<Integer, SchemaVersion>> subjects = new HashMap<>();
  private final Map<Integer, String> schemasById = new HashMap<>();
  private final Map<String, Integer> idsBySchema = new HashMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel;
  private int maxId;

  /**
   * Applies a schema record.
   *
   * @return whether it was applied; false when an earlier record already claimed its version, its
   *     id or its schema differently
   */
  public synchronized boolean applySchema(SchemaVersion record) {
    SchemaVersion existing =
        subjects.getOrDefault(record.subject(), new TreeMap<>()).get(record.version());
    if (existing != null && !existing.sameContent(record)) {
      return false;
    }
    String boundSchema = schemasById.get(record.id());
    if (boundSchema != null && !boundSchema.equals(record.schema())) {
      return false;
    }
    Integer boundId = idsBySchema.get(record.schema());
    if (boundId != null && boundId != record.id()) {
      return false;
    }
    schemasById.put(record.id(), record.schema());
    idsBySchema.put(record.schema(), record.id());
    maxId = Math.max(maxId, record.id());
    subjects.computeIfAbsent(record.subject(), s -> new TreeMap<>()).put(record.version(), record);
    return true;
  }

  /** Applies a schema tombstone: the version is gone for good (permanent delete). */
  public synchronized void removeVersion(String subject, int version) {
    NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
    if (versions != null) {
      versions.remove(version);
      if (versions.isEmpty()) {
        subjects.remove(subject);
      }
    }
  }

  /** Applies a subject soft delete: every version up to {@code upTo} is marked deleted. */
  public synchronized void softDeleteSubject(String subject, int upTo) {
    NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
    if (versions != null) {
      versions.headMap(upTo, true).replaceAll((v, schema) -> schema.asDeleted());
    }
  }

  /** Applies a config record; a null subject is the global config, a null level removes it. */
  public synchronized void applyConfig(String subject, CompatibilityLevel level) {
    if (subject == null) {
      globalLevel = level;
    } else if (level == null) {
      subjectLevels.remove(subject);
    } else {
      subjectLevels.put(subject, level);
    }
  }

  /** Subjects with at least one version that is not soft-deleted (or any version). */
  public synchronized List<String> subjects(boolean includeDeleted) {
    List<String> names = new ArrayList<>();
    subjects.forEach(
        (subject, versions) -> {
          if (includeDeleted || versions.values().stream().anyMatch(v -> !v.deleted())) {
            names.add(subject);
          }
        });
    names.sort(null);
    return names;
  }

  /** The subject's versions, oldest first. */
  public synchronized List<SchemaVersion> versions(String subject, boolean includeDeleted) {
    return subjects.getOrDefault(subject, new TreeMap<>()).values().stream()
        .filter(v -> includeDeleted || !v.deleted())
        .toList();
  }

  /** The highest version number the subject ever had in the log, deleted or not; 0 if none. */
  public synchronized int maxVersion(String subject) {
    NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
    return versions == null || versions.isEmpty() ? 0 : versions.lastKey();
  }

  public synchronized Optional<SchemaVersion> version(String subject, int version) {
    return Optional.ofNullable(subjects.getOrDefault(subject, new TreeMap<>()).get(version));
  }

  /** The schema with this id while some version, soft-deleted or not, still uses it. */
  public synchronized Optional<String> schemaById(int id) {
    return usages(id, true).isEmpty() ? Optional.empty() : Optional.of(schemasById.get(id));
  }

  /** Where an id is used, ordered by subject and version. */
  public synchronized List<SchemaVersion> usages(int id, boolean includeDeleted) {
    List<SchemaVersion> found = new ArrayList<>();
    for (String subject : new TreeSet<>(subjects.keySet())) {
      for (SchemaVersion version : subjects.get(subject).values()) {
        if (version.id() == id && (includeDeleted || !version.deleted())) {
          found.add(version);
        }
      }
    }
    return found;
  }

  /** The id this canonical schema was given, if it ever was. */
  public synchronized OptionalInt idOf(String schema) {
    Integer id = idsBySchema.get(schema);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  public synchronized int maxId() {
    return maxId;
  }

  public synchronized Optional<CompatibilityLevel> globalLevel() {
    return Optional.ofNullable(globalLevel);
  }

  public synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
    return Optional.ofNullable(subjectLevels.get(subject));
  }
}
