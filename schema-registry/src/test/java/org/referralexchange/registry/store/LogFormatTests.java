package org.referralexchange.registry.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.referralexchange.schemas.compatibility.CompatibilityLevel;

/** Records in Confluent's {@code _schemas} JSON formats, written and read back. */
class LogFormatTests {

  private static final String SCHEMA = "{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}";

  @Test
  void schemaRecordsUseConfluentsKeyAndValueFormat() {
    LogRecord record = LogFormat.schema(new SchemaVersion("s", 1, 7, SCHEMA, false));

    assertThat(record.key())
        .isEqualTo("{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":1,\"magic\":1}");
    assertThat(record.value())
        .isEqualTo(
            "{\"subject\":\"s\",\"version\":1,\"id\":7,\"schema\":"
                + "\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"A\\\",\\\"fields\\\":[]}\","
                + "\"deleted\":false}");
    assertThat(LogFormat.schemaTombstone("s", 1)).isEqualTo(new LogRecord(record.key(), null));
  }

  @Test
  void configRecordsUseConfluentsFormatWithANullSubjectForTheGlobalLevel() {
    assertThat(LogFormat.config(null, CompatibilityLevel.FULL))
        .isEqualTo(
            new LogRecord(
                "{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}",
                "{\"compatibilityLevel\":\"FULL\"}"));
    assertThat(LogFormat.config("s", null))
        .isEqualTo(new LogRecord("{\"keytype\":\"CONFIG\",\"subject\":\"s\",\"magic\":0}", null));
  }

  @Test
  void subjectDeletesUseConfluentsDeleteSubjectRecord() {
    assertThat(LogFormat.deleteSubject("s", 3))
        .isEqualTo(
            new LogRecord(
                "{\"keytype\":\"DELETE_SUBJECT\",\"subject\":\"s\",\"magic\":0}",
                "{\"subject\":\"s\",\"version\":3}"));
  }

  @Test
  void appliedRecordsRebuildTheStateTheyDescribe() {
    RegistryState state = new RegistryState();
    for (LogRecord record :
        new LogRecord[] {
          LogFormat.schema(new SchemaVersion("s", 1, 1, SCHEMA, false)),
          LogFormat.config("s", CompatibilityLevel.NONE),
          LogFormat.config(null, CompatibilityLevel.FULL_TRANSITIVE),
          LogFormat.deleteSubject("s", 1)
        }) {
      LogFormat.apply(state, record.key(), record.value());
    }

    assertThat(state.versions("s", true))
        .containsExactly(new SchemaVersion("s", 1, 1, SCHEMA, true));
    assertThat(state.subjectLevel("s")).contains(CompatibilityLevel.NONE);
    assertThat(state.globalLevel()).contains(CompatibilityLevel.FULL_TRANSITIVE);
  }

  @Test
  void recordsItCannotUseAreSkippedWithoutStoppingTheReader() {
    RegistryState state = new RegistryState();

    LogFormat.apply(state, "{\"keytype\":\"NOOP\",\"magic\":0}", null);
    LogFormat.apply(state, "not json", "{}");
    LogFormat.apply(
        state,
        "{\"keytype\":\"SCHEMA\",\"subject\":\"p\",\"version\":1,\"magic\":1}",
        "{\"subject\":\"p\",\"version\":1,\"id\":1,\"schemaType\":\"PROTOBUF\","
            + "\"schema\":\"syntax = \\\"proto3\\\";\",\"deleted\":false}");
    LogFormat.apply(
        state,
        "{\"keytype\":\"SCHEMA\",\"subject\":\"b\",\"version\":1,\"magic\":1}",
        "{\"subject\":\"b\",\"version\":1,\"id\":2,\"schema\":\"{not avro\",\"deleted\":false}");
    LogFormat.apply(
        state,
        "{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}",
        "{\"compatibilityLevel\":\"SIDEWAYS\"}");

    assertThat(state.subjects(true)).isEmpty();
    assertThat(state.globalLevel()).isEmpty();
  }
}
