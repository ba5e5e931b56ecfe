package org.referralexchange.schemas.compatibility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/**
 * The build's schema compatibility gate. Every record under the current schema folder is checked
 * against the same record in every released version kept under {@code released/<version>/}, so a
 * change that would break a consumer or producer still running an earlier release fails the build
 * with a message naming the record and the field.
 *
 * <p>Run by {@code mvn verify} in the {@code schemas} module; arguments: current folder, released
 * folder, compatibility level (default BACKWARD_TRANSITIVE).
 */
public final class CompatibilityGate {

  private CompatibilityGate() {}

  public static void main(String[] args) {
    if (args.length < 2) {
      throw new IllegalArgumentException(
          "usage: CompatibilityGate <current-avro-dir> <released-dir> [level]");
    }
    CompatibilityLevel level =
        CompatibilityLevel.parse(args.length > 2 ? args[2] : "BACKWARD_TRANSITIVE");
    List<Incompatibility> problems = check(Path.of(args[0]), Path.of(args[1]), level);
    if (!problems.isEmpty()) {
      StringBuilder message =
          new StringBuilder("Schema compatibility gate (" + level + ") failed:");
      problems.forEach(p -> message.append("\n  - ").append(p.describe()));
      throw new IllegalStateException(message.toString());
    }
    System.out.println(
        "[schemas] compatibility gate passed: "
            + level
            + " against "
            + releasedVersions(Path.of(args[1])).size()
            + " released version(s)");
  }

  /**
   * Checks every schema under {@code current} against its released versions; returns all problems
   * found (empty when compatible).
   */
  public static List<Incompatibility> check(Path current, Path released, CompatibilityLevel level) {
    Map<String, Schema> now = SchemaDirectory.read(current);
    Map<String, Map<String, Schema>> history = new java.util.LinkedHashMap<>();
    for (Path version : releasedVersions(released)) {
      history.put("release " + version.getFileName(), SchemaDirectory.read(version));
    }
    List<Incompatibility> problems = new ArrayList<>();
    now.forEach(
        (name, schema) -> {
          List<CompatibilityChecker.Version> earlier = new ArrayList<>();
          history.forEach(
              (release, schemas) -> {
                if (schemas.containsKey(name)) {
                  earlier.add(new CompatibilityChecker.Version(release, schemas.get(name)));
                }
              });
          problems.addAll(CompatibilityChecker.check(level, schema, earlier));
        });
    return problems;
  }

  /** Released version folders, oldest first (ordered as version numbers, 1.10 after 1.9). */
  static List<Path> releasedVersions(Path released) {
    if (!Files.isDirectory(released)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(released)) {
      return children
          .filter(Files::isDirectory)
          .sorted(Comparator.comparing(p -> versionKey(p.getFileName().toString())))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String versionKey(String version) {
    StringBuilder key = new StringBuilder();
    for (String part : version.split("[.-]")) {
      key.append(part.matches("\\d+") ? String.format("%08d", Integer.parseInt(part)) : part)
          .append('.');
    }
    return key.toString();
  }
}
