package org.referralexchange.schemas.compatibility;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Checks a new schema against earlier versions with Avro's {@link SchemaCompatibility}, at a
 * Confluent {@link CompatibilityLevel}, and explains each failure by record and field.
 */
public final class CompatibilityChecker {

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
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return;
    }
    for (SchemaCompatibility.Incompatibility incompatibility : result.getIncompatibilities()) {
      Location location = Location.resolve(reader, incompatibility.getLocation());
      into.add(
          new Incompatibility(
              location.record(),
              location.field(),
              direction,
              incompatibility.getType() + " (" + incompatibility.getMessage() + ")"));
    }
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
