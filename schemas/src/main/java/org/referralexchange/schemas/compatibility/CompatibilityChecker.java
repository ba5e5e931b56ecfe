package org.referralexchange.schemas.compatibility;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;

/**
 * Checks a new schema against earlier versions with Avro's {@link SchemaCompatibility}, at a
 * Confluent {@link CompatibilityLevel}, and explains each failure by record and field.
 */
public final class CompatibilityChecker {

  private static final int MAX_DEPTH = 8;

  private CompatibilityChecker() {}

  /**
   * Returns every incompatibility of {@code candidate} against {@code earlier}, empty when the
   * level is satisfied.
   *
   * @param earlier earlier versions, oldest first; non-transitive levels look at the last only
   */
  public static List<Incompatibility> check(
      CompatibilityLevel level, Schema candidate, List<Version> earlier) {
    List<Incompatibility> problems = new ArrayList<>();
    if (level == CompatibilityLevel.NONE || earlier.isEmpty()) {
      return problems;
    }
    int from = level.transitive() ? 0 : earlier.size() - 1;
    for (int i = from; i < earlier.size(); i++) {
      Schema previous = earlier.get(i).schema();
      String version = earlier.get(i).label();
      if (level.newReadsOld()) {
        collect(
            candidate, previous, "new schema cannot read data written with " + version, problems);
      }
      if (level.oldReadsNew()) {
        collect(
            previous,
            candidate,
            version + " cannot read data written with the new schema",
            problems);
      }
    }
    return problems;
  }

  private static void collect(
      Schema reader, Schema writer, String direction, List<Incompatibility> into) {
    explain(reader, writer, reader.getFullName(), "", direction, into, 0);
  }

  /**
   * Adds Avro's incompatibilities of {@code reader} against {@code writer}. Avro reports a change
   * inside an optional record as a missing union branch at the optional field; this looks into the
   * same-named branches to name the field that really changed.
   */
  private static void explain(
      Schema reader,
      Schema writer,
      String record,
      String prefix,
      String direction,
      List<Incompatibility> into,
      int depth) {
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return;
    }
    for (SchemaCompatibility.Incompatibility incompatibility : result.getIncompatibilities()) {
      String local = Location.resolve(reader, incompatibility.getLocation()).field();
      String field = prefix.isEmpty() ? local : local.isEmpty() ? prefix : prefix + "." + local;
      Schema sameNamedBranch =
          depth < MAX_DEPTH
                  && incompatibility.getType() == SchemaIncompatibilityType.MISSING_UNION_BRANCH
              ? sameNamedBranch(incompatibility)
              : null;
      if (sameNamedBranch != null) {
        explain(
            sameNamedBranch,
            writerBranch(incompatibility),
            record,
            field,
            direction,
            into,
            depth + 1);
        continue;
      }
      into.add(
          new Incompatibility(
              record,
              field,
              direction,
              incompatibility.getType() + " (" + incompatibility.getMessage() + ")"));
    }
  }

  /** The writer's union branch the reader lacks: the last number of Avro's location. */
  private static Schema writerBranch(SchemaCompatibility.Incompatibility incompatibility) {
    Schema writer = incompatibility.getWriterFragment();
    if (writer == null || writer.getType() != Schema.Type.UNION) {
      return writer;
    }
    String location = incompatibility.getLocation();
    try {
      int index = Integer.parseInt(location.substring(location.lastIndexOf('/') + 1));
      return writer.getTypes().get(index);
    } catch (RuntimeException notABranch) {
      return null;
    }
  }

  private static Schema sameNamedBranch(SchemaCompatibility.Incompatibility incompatibility) {
    Schema readerUnion = incompatibility.getReaderFragment();
    Schema writerBranch = writerBranch(incompatibility);
    if (readerUnion == null
        || writerBranch == null
        || readerUnion.getType() != Schema.Type.UNION
        || writerBranch.getType() != Schema.Type.RECORD) {
      return null;
    }
    return readerUnion.getTypes().stream()
        .filter(b -> b.getType() == Schema.Type.RECORD)
        .filter(b -> b.getFullName().equals(writerBranch.getFullName()))
        .findFirst()
        .orElse(null);
  }

  /**
   * An earlier version of a schema.
   *
   * @param label how messages name it: a registry version number or a release
   */
  public record Version(String label, Schema schema) {}

  /** Resolves Avro's JSON-pointer location ("/fields/3/type/1") to a record and field path. */
  record Location(String record, String field) {

    static Location resolve(Schema root, String pointer) {
      Schema current = root;
      String record = root.getFullName();
      StringBuilder field = new StringBuilder();
      String[] segments = pointer == null ? new String[0] : pointer.split("/");
      for (int i = 0; i < segments.length; i++) {
        String segment = segments[i];
        if (segment.isEmpty()) {
          continue;
        }
        try {
          switch (segment) {
            case "fields" -> {
              int index = Integer.parseInt(segments[++i]);
              if (current.getType() == Schema.Type.RECORD && index < current.getFields().size()) {
                if (field.length() > 0) {
                  field.append('.');
                }
                field.append(current.getFields().get(index).name());
                current = current.getFields().get(index).schema();
              }
            }
            case "items" -> current = current.getElementType();
            case "values" -> current = current.getValueType();
            case "type", "symbols", "size", "name" -> {
              // stays on the same schema
            }
            default -> {
              if (current.getType() == Schema.Type.UNION) {
                current = current.getTypes().get(Integer.parseInt(segment));
              }
            }
          }
        } catch (RuntimeException unresolvable) {
          break;
        }
      }
      return new Location(record, field.toString());
    }
  }
}
