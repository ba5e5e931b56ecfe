package org.referralexchange.schemas.compatibility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompatibilityGateTests {

  private static final Path CURRENT = Path.of("src/main/avro");
  private static final Path RELEASED = Path.of("src/compat/released");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;

  /**
   * What a change adds to the incompatibilities the current schemas already have at this level
   * (today: {@code ReferralSubmitted.respondBy} became optional, which release 0.1.0's readers
   * cannot read; BACKWARD, the gate's level, holds).
   */
  private static List<Incompatibility> added(Path changed, CompatibilityLevel level) {
    List<String> already =
        CompatibilityGate.check(CURRENT, RELEASED, level).stream()
            .map(Incompatibility::describe)
            .toList();
    return CompatibilityGate.check(changed, RELEASED, level).stream()
        .filter(problem -> !already.contains(problem.describe()))
        .toList();
  }

  @Test
  void currentSchemasAreCompatibleWithEveryRelease() {
    assertThat(CompatibilityGate.check(CURRENT, RELEASED, CompatibilityLevel.BACKWARD_TRANSITIVE))
        .isEmpty();
  }

  @Test
  void rejectsNewFieldWithoutDefaultNamingRecordAndField() throws IOException {
    Path changed =
        changedCopy(
            "events/ReferralSubmitted.avsc",
            fields ->
                fields
                    .addObject()
                    .put("name", "language")
                    .put("type", "string")
                    .put("doc", "Language the client speaks."));

    List<Incompatibility> problems =
        CompatibilityGate.check(changed, RELEASED, CompatibilityLevel.BACKWARD_TRANSITIVE);

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).record())
        .isEqualTo("org.referralexchange.events.v1.ReferralSubmitted");
    assertThat(problems.get(0).field()).isEqualTo("language");
    assertThat(problems.get(0).describe())
        .contains("ReferralSubmitted field 'language'")
        .contains("READER_FIELD_MISSING_DEFAULT_VALUE")
        .contains("release 0.1.0");
  }

  @Test
  void acceptsNewOptionalFieldWithDefault() throws IOException {
    Path changed =
        changedCopy(
            "events/ReferralSubmitted.avsc",
            fields -> {
              ObjectNode field = fields.addObject();
              field.put("name", "language");
              field.set("type", JSON.createArrayNode().add("null").add("string"));
              field.putNull("default");
              field.put("doc", "Language the client speaks.");
            });

    assertThat(added(changed, CompatibilityLevel.FULL_TRANSITIVE)).isEmpty();
  }

  @Test
  void namesNestedFieldWhenSharedTypeChangesIncompatibly() throws IOException {
    Path changed =
        changedCopy(
            "common/Money.avsc",
            fields -> {
              ObjectNode currency = (ObjectNode) fields.get(1);
              currency.put("type", "int");
            });

    List<Incompatibility> problems =
        CompatibilityGate.check(changed, RELEASED, CompatibilityLevel.BACKWARD);

    assertThat(problems)
        .extracting(Incompatibility::describe)
        .anySatisfy(
            d -> assertThat(d).contains("ReferralStatusChanged field 'outcome.cost.currency'"))
        .anySatisfy(d -> assertThat(d).contains("Money field 'currency'"));
  }

  @Test
  void removingRequiredFieldBreaksForwardButNotBackward() throws IOException {
    Path changed =
        changedCopy(
            "events/ReferralOverdue.avsc",
            fields -> {
              for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).path("name").asText().equals("overdueByMillis")) {
                  fields.remove(i);
                }
              }
            });

    assertThat(CompatibilityGate.check(changed, RELEASED, CompatibilityLevel.BACKWARD)).isEmpty();
    assertThat(added(changed, CompatibilityLevel.FORWARD))
        .extracting(Incompatibility::field)
        .containsExactly("overdueByMillis");
  }

  @Test
  void gateFailsWithMessageNamingRecordAndField() throws IOException {
    Path changed =
        changedCopy(
            "events/ReferralSubmitted.avsc",
            fields ->
                fields
                    .addObject()
                    .put("name", "language")
                    .put("type", "string")
                    .put("doc", "Language the client speaks."));

    assertThatThrownBy(
            () ->
                CompatibilityGate.main(
                    new String[] {changed.toString(), RELEASED.toString(), "BACKWARD_TRANSITIVE"}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("org.referralexchange.events.v1.ReferralSubmitted field 'language'");
  }

  @Test
  void ordersReleasesAsVersionNumbers() throws IOException {
    for (String v : List.of("1.10.0", "1.9.0", "1.2.0")) {
      Files.createDirectories(work.resolve("released").resolve(v));
    }
    assertThat(CompatibilityGate.releasedVersions(work.resolve("released")))
        .extracting(p -> p.getFileName().toString())
        .containsExactly("1.2.0", "1.9.0", "1.10.0");
  }

  @Test
  void rejectsUnknownLevelNamingTheAcceptedOnes() {
    assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
        .hasMessageContaining("SIDEWAYS")
        .hasMessageContaining("FULL_TRANSITIVE");
  }

  /** Copies the current schemas and edits the fields array of one file. */
  private Path changedCopy(String file, Consumer<ArrayNode> edit) throws IOException {
    Path copy = work.resolve("avro");
    try (Stream<Path> files = Files.walk(CURRENT)) {
      for (Path source : files.toList()) {
        Path target = copy.resolve(CURRENT.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
    Path edited = copy.resolve(file);
    ObjectNode schema = (ObjectNode) JSON.readTree(edited.toFile());
    edit.accept((ArrayNode) schema.get("fields"));
    JSON.writeValue(edited.toFile(), schema);
    return copy;
  }
}
