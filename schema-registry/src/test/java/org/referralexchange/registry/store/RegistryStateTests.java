package org.referralexchange.registry.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.referralexchange.schemas.compatibility.CompatibilityLevel;

/** The first-writer-wins rules every instance applies to the log in the same order. */
class RegistryStateTests {

  private static final String A = "{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}";
  private static final String B = "{\"type\":\"record\",\"name\":\"B\",\"fields\":[]}";

  private final RegistryState state = new RegistryState();

  private static SchemaVersion version(String subject, int version, int id, String schema) {
    return new SchemaVersion(subject, version, id, schema, false);
  }

  @Test
  void aSubjectVersionClaimedByOneSchemaIgnoresALaterDifferentClaim() {
    assertThat(state.applySchema(version("s", 1, 1, A))).isTrue();

    assertThat(state.applySchema(version("s", 1, 2, B))).isFalse();

    assertThat(state.version("s", 1)).contains(version("s", 1, 1, A));
    assertThat(state.schemaById(2)).isEmpty();
  }

  @Test
  void anIdBoundToOneSchemaIgnoresALaterClaimForAnotherSchema() {
    state.applySchema(version("s", 1, 1, A));

    assertThat(state.applySchema(version("t", 1, 1, B))).isFalse();

    assertThat(state.versions("t", true)).isEmpty();
    assertThat(state.schemaById(1)).contains(A);
  }

  @Test
  void aSchemaKeepsItsFirstIdAndALaterRecordGivingItAnotherIsIgnored() {
    state.applySchema(version("s", 1, 1, A));

    assertThat(state.applySchema(version("t", 1, 2, A))).isFalse();
    assertThat(state.applySchema(version("t", 1, 1, A))).isTrue();

    assertThat(state.usages(1, false)).hasSize(2);
    assertThat(state.maxId()).isEqualTo(1);
  }

  @Test
  void rewritingAVersionWithTheSameContentAppliesItsDeletedFlag() {
    state.applySchema(version("s", 1, 1, A));

    assertThat(state.applySchema(new SchemaVersion("s", 1, 1, A, true))).isTrue();

    assertThat(state.versions("s", false)).isEmpty();
    assertThat(state.subjects(false)).isEmpty();
    assertThat(state.subjects(true)).containsExactly("s");
  }

  @Test
  void aSubjectSoftDeleteHidesVersionsUpToItsVersionButKeepsIdsServed() {
    state.applySchema(version("s", 1, 1, A));
    state.applySchema(version("s", 2, 2, B));

    state.softDeleteSubject("s", 1);

    assertThat(state.versions("s", false)).extracting(SchemaVersion::version).containsExactly(2);
    state.softDeleteSubject("s", 2);
    assertThat(state.subjects(false)).isEmpty();
    assertThat(state.schemaById(1)).contains(A);
    assertThat(state.maxVersion("s")).isEqualTo(2);
  }

  @Test
  void aPermanentRemovalFreesTheVersionButNeverRebindsTheIdToAnotherSchema() {
    state.applySchema(version("s", 1, 1, A));

    state.removeVersion("s", 1);

    assertThat(state.schemaById(1)).as("no version uses it").isEmpty();
    assertThat(state.maxVersion("s")).isZero();
    assertThat(state.applySchema(version("s", 1, 1, B))).isFalse();
    assertThat(state.idOf(A)).hasValue(1);
    assertThat(state.applySchema(version("s", 1, 1, A))).isTrue();
  }

  @Test
  void configRecordsAreLastWriterWinsAndATombstoneRemovesThem() {
    state.applyConfig(null, CompatibilityLevel.FULL);
    state.applyConfig("s", CompatibilityLevel.NONE);
    state.applyConfig("s", CompatibilityLevel.FORWARD);

    assertThat(state.globalLevel()).contains(CompatibilityLevel.FULL);
    assertThat(state.subjectLevel("s")).contains(CompatibilityLevel.FORWARD);

    state.applyConfig("s", null);
    state.applyConfig(null, null);
    assertThat(state.subjectLevel("s")).isEmpty();
    assertThat(state.globalLevel()).isEmpty();
  }
}
