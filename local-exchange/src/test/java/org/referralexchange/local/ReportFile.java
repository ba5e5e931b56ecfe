package org.referralexchange.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The fault suites' shared report file, one section per suite. Suites may finish at the same time
 * in two test JVMs, so each rewrites the file under an exclusive lock on a sidecar file (a JVM-wide
 * {@code synchronized} would not see the other fork).
 */
final class ReportFile {

  static final String TITLE = "# Fault suite report\n\n";

  private ReportFile() {}

  /**
   * Replaces the section that starts with a line beginning {@code sectionStart} (up to the next
   * section's start) with {@code section}, or adds it; the other sections stay as they are.
   */
  static void replaceSection(Path report, String sectionStart, String section) throws IOException {
    Path lockFile = report.resolveSibling(report.getFileName() + ".lock");
    try (FileChannel channel =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      List<String> kept = new ArrayList<>();
      if (Files.exists(report)) {
        StringBuilder current = null;
        for (String line : Files.readString(report, StandardCharsets.UTF_8).split("\n", -1)) {
          if (line.startsWith("Run of ")) {
            if (current != null) {
              kept.add(current.toString());
            }
            current = new StringBuilder();
          }
          if (current != null) {
            current.append(line).append('\n');
          }
        }
        if (current != null) {
          kept.add(current.toString());
        }
      }
      StringBuilder out = new StringBuilder(TITLE);
      for (String other : kept) {
        if (!other.startsWith(sectionStart)) {
          out.append(other.stripTrailing()).append("\n\n");
        }
      }
      out.append(section);
      Files.writeString(report, out.toString(), StandardCharsets.UTF_8);
    }
  }
}
