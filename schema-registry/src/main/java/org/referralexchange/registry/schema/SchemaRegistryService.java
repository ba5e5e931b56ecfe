package org.referralexchange.registry.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.referralexchange.registry.RegistryProperties;
import org.referralexchange.registry.store.LogFormat;
import org.referralexchange.registry.store.LogRecord;
import org.referralexchange.registry.store.RegistryState;
import org.referralexchange.registry.store.SchemaStore;
import org.referralexchange.registry.store.SchemaVersion;
import org.referralexchange.registry.store.StoreException;
import org.referralexchange.registry.store.StoreTimeoutException;
import org.referralexchange.schemas.compatibility.CompatibilityChecker;
import org.referralexchange.schemas.compatibility.CompatibilityLevel;
import org.referralexchange.schemas.compatibility.Incompatibility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Confluent Schema Registry's behaviour over the {@link SchemaStore}. Reads answer from this
 * instance's applied state. Writes are serialized inside the instance; across instances the log's
 * first-writer-wins rule decides, and a writer whose record lost tries again with a fresh id or
 * version.
 */
@Service
public class SchemaRegistryService {

  private static final Logger log = LoggerFactory.getLogger(SchemaRegistryService.class);
  private static final int MAX_ATTEMPTS = 50;

  private final SchemaStore store;
  private final RegistryState state;
  private final RegistryProperties properties;
  private final ReentrantLock writes = new ReentrantLock();

  public SchemaRegistryService(SchemaStore store, RegistryProperties properties) {
    this.store = store;
    this.state = store.state();
    this.properties = properties;
  }

  /**
   * Registers a schema under a subject, or returns the id it already has there.
   *
   * @throws RegistryException 409 when the subject's compatibility level rejects it
   */
  public int register(String subject, SchemaInput input) {
    String canonical = input.canonical();
    return underWriteLock(
        () -> {
          for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            List<SchemaVersion> live = state.versions(subject, false);
            Optional<SchemaVersion> same =
                live.stream().filter(v -> v.schema().equals(canonical)).findFirst();
            if (same.isPresent()) {
              return same.get().id();
            }
            CompatibilityLevel level = effectiveLevel(subject);
            List<Incompatibility> problems =
                CompatibilityChecker.check(level, input.parsed(), earlier(live));
            if (!problems.isEmpty()) {
              throw RegistryException.incompatible(
                  "Schema being registered is incompatible with an earlier schema for subject \""
                      + subject
                      + "\", details: "
                      + problems.stream().map(Incompatibility::describe).toList()
                      + ", compatibility: "
                      + level);
            }
            int id = state.idOf(canonical).orElse(state.maxId() + 1);
            int version = state.maxVersion(subject) + 1;
            store.append(
                List.of(
                    LogFormat.schema(new SchemaVersion(subject, version, id, canonical, false))));
            Optional<SchemaVersion> applied = state.version(subject, version);
            if (applied.isPresent()
                && applied.get().id() == id
                && applied.get().schema().equals(canonical)) {
              return id;
            }
            log.info(
                "Registration of subject {} version {} id {} lost to another instance (attempt {})",
                subject,
                version,
                id,
                attempt);
            // Our record shares its key with the winner's: write the winner's value again so that
            // compaction, which keeps the last record per key, keeps the winner.
            applied.ifPresent(winner -> store.append(List.of(LogFormat.schema(winner))));
          }
          throw RegistryException.writeConflict(subject);
        });
  }

  /**
   * Where a schema is registered under a subject.
   *
   * @throws RegistryException 40401 unknown subject, 40403 schema not under it
   */
  public SchemaVersion lookup(String subject, SchemaInput input, boolean includeDeleted) {
    List<SchemaVersion> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw RegistryException.subjectNotFound(subject);
    }
    String canonical = input.canonical();
    return versions.stream()
        .filter(v -> v.schema().equals(canonical))
        .min((a, b) -> Boolean.compare(a.deleted(), b.deleted()))
        .orElseThrow(RegistryException::schemaNotFound);
  }

  /** The schema with a global id, also while only soft-deleted versions use it. */
  public String schemaById(int id) {
    return state.schemaById(id).orElseThrow(() -> RegistryException.schemaNotFound(id));
  }

  /** The subject versions that use an id. */
  public List<SchemaVersion> usages(int id, boolean includeDeleted) {
    schemaById(id);
    return state.usages(id, includeDeleted);
  }

  public List<String> subjects(boolean includeDeleted) {
    return state.subjects(includeDeleted);
  }

  public List<SchemaVersion> versions(String subject, boolean includeDeleted) {
    List<SchemaVersion> versions = state.versions(subject, includeDeleted);
    if (versions.isEmpty()) {
      throw RegistryException.subjectNotFound(subject);
    }
    return versions;
  }

  public SchemaVersion version(String subject, VersionSpec spec, boolean includeDeleted) {
    return resolve(versions(subject, includeDeleted), spec);
  }

  private static SchemaVersion resolve(List<SchemaVersion> versions, VersionSpec spec) {
    if (spec.latest()) {
      return versions.get(versions.size() - 1);
    }
    return versions.stream()
        .filter(v -> v.version() == spec.number())
        .findFirst()
        .orElseThrow(() -> RegistryException.versionNotFound(spec.number()));
  }

  /**
   * Deletes a subject: softly (hidden, ids still served, version numbers continue), or permanently
   * after a soft delete.
   *
   * @return the versions deleted
   */
  public List<Integer> deleteSubject(String subject, boolean permanent) {
    return underWriteLock(
        () -> {
          List<SchemaVersion> all = state.versions(subject, true);
          if (all.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
          }
          List<SchemaVersion> live = all.stream().filter(v -> !v.deleted()).toList();
          if (!permanent) {
            if (live.isEmpty()) {
              throw RegistryException.subjectSoftDeleted(subject);
            }
            store.append(List.of(LogFormat.deleteSubject(subject, state.maxVersion(subject))));
            return live.stream().map(SchemaVersion::version).toList();
          }
          if (!live.isEmpty()) {
            throw RegistryException.subjectNotSoftDeleted(subject);
          }
          List<LogRecord> records = new ArrayList<>();
          all.forEach(v -> records.add(LogFormat.schemaTombstone(subject, v.version())));
          records.add(LogFormat.deleteSubjectTombstone(subject));
          if (state.subjectLevel(subject).isPresent()) {
            records.add(LogFormat.config(subject, null));
          }
          store.append(records);
          return all.stream().map(SchemaVersion::version).toList();
        });
  }

  /**
   * Deletes one version: softly, or permanently after a soft delete.
   *
   * @return the version deleted
   */
  public int deleteVersion(String subject, VersionSpec spec, boolean permanent) {
    return underWriteLock(
        () -> {
          SchemaVersion target;
          if (spec.latest()) {
            target = resolve(versions(subject, permanent), spec);
          } else {
            target = resolve(versions(subject, true), spec);
          }
          if (!permanent) {
            if (target.deleted()) {
              throw RegistryException.versionSoftDeleted(subject, target.version());
            }
            store.append(
                List.of(
                    LogFormat.schema(
                        new SchemaVersion(
                            subject, target.version(), target.id(), target.schema(), true))));
          } else {
            if (!target.deleted()) {
              throw RegistryException.versionNotSoftDeleted(subject, target.version());
            }
            store.append(List.of(LogFormat.schemaTombstone(subject, target.version())));
          }
          return target.version();
        });
  }

  /** Tests a schema against one version of a subject, or against what its level requires. */
  public CompatibilityResult checkCompatibility(
      String subject, VersionSpec spec, SchemaInput input) {
    List<SchemaVersion> live = state.versions(subject, false);
    List<SchemaVersion> against;
    if (spec == null) {
      against = live;
    } else {
      if (live.isEmpty()) {
        throw RegistryException.subjectNotFound(subject);
      }
      against = spec.latest() ? live : List.of(resolve(live, spec));
    }
    List<String> messages =
        CompatibilityChecker.check(effectiveLevel(subject), input.parsed(), earlier(against))
            .stream()
            .map(Incompatibility::describe)
            .toList();
    return new CompatibilityResult(messages.isEmpty(), messages);
  }

  private static List<CompatibilityChecker.Version> earlier(List<SchemaVersion> versions) {
    return versions.stream()
        .map(
            v ->
                new CompatibilityChecker.Version(
                    "version " + v.version(), new Schema.Parser().parse(v.schema())))
        .toList();
  }

  public CompatibilityLevel globalLevel() {
    return state.globalLevel().orElse(properties.defaultCompatibility());
  }

  public CompatibilityLevel setGlobalLevel(CompatibilityLevel level) {
    underWriteLock(() -> store.append(List.of(LogFormat.config(null, level))));
    return level;
  }

  /** Resets the global level to the configured default; returns the level it had. */
  public CompatibilityLevel deleteGlobalLevel() {
    return underWriteLock(
        () -> {
          CompatibilityLevel old = globalLevel();
          store.append(List.of(LogFormat.config(null, null)));
          return old;
        });
  }

  /**
   * @throws RegistryException 40408 when the subject has no level of its own and {@code
   *     defaultToGlobal} is false
   */
  public CompatibilityLevel subjectLevel(String subject, boolean defaultToGlobal) {
    Optional<CompatibilityLevel> own = state.subjectLevel(subject);
    if (own.isPresent()) {
      return own.get();
    }
    if (defaultToGlobal) {
      return globalLevel();
    }
    throw RegistryException.subjectLevelNotConfigured(subject);
  }

  public CompatibilityLevel setSubjectLevel(String subject, CompatibilityLevel level) {
    underWriteLock(() -> store.append(List.of(LogFormat.config(subject, level))));
    return level;
  }

  /** Removes a subject's own level; returns the level it had. */
  public CompatibilityLevel deleteSubjectLevel(String subject) {
    return underWriteLock(
        () -> {
          CompatibilityLevel old = subjectLevel(subject, false);
          store.append(List.of(LogFormat.config(subject, null)));
          return old;
        });
  }

  private CompatibilityLevel effectiveLevel(String subject) {
    return state.subjectLevel(subject).orElseGet(this::globalLevel);
  }

  private void underWriteLock(Runnable write) {
    underWriteLock(
        () -> {
          write.run();
          return null;
        });
  }

  private <T> T underWriteLock(Supplier<T> write) {
    try {
      if (!writes.tryLock(properties.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        throw new StoreTimeoutException(
            "Write timed out waiting for this instance's earlier writes to finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("Interrupted while waiting to write", e);
    }
    try {
      return write.get();
    } finally {
      writes.unlock();
    }
  }
}
