package org.referralexchange.schemas.compatibility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;

/** Reads every {@code .avsc} below a folder, resolving the names the files use of each other. */
public final class SchemaDirectory {

  private SchemaDirectory() {}

  /**
   * Parses the folder and returns the named schemas declared at the top of each file, by full name,
   * each fully resolved.
   */
  public static Map<String, Schema> read(Path folder) {
    SchemaParser parser = new SchemaParser();
    List<SchemaParser.ParseResult> results;
    try (Stream<Path> files = Files.walk(folder)) {
      List<Path> avsc = files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
      results = new java.util.ArrayList<>();
      for (Path file : avsc) {
        results.add(parser.parse(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read schemas under " + folder, e);
    }
    Map<String, Schema> byName = new TreeMap<>();
    for (SchemaParser.ParseResult result : results) {
      Schema resolved = parser.resolve(result);
      byName.put(resolved.getFullName(), resolved);
    }
    return byName;
  }
}
