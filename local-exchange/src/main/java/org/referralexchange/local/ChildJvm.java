package org.referralexchange.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How the launcher runs a part as a child JVM: the same java binary as this one, a class path, a
 * main class, output appended to a log file; stopped the way a supervisor stops a service (SIGTERM,
 * then SIGKILL after a while). The broker always runs this way; a Spring service does when a test
 * must be able to kill it with SIGKILL, which a service inside this JVM cannot survive.
 */
final class ChildJvm {

  static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

  private ChildJvm() {}

  /** {@code java <jvmOptions> -cp <classPath> <mainClass> <args>}, with the launcher's java. */
  static ProcessBuilder command(
      List<String> jvmOptions, String classPath, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(args);
    return new ProcessBuilder(command);
  }

  /** The java binary running this launcher, so a child gets the same JDK. */
  static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * Asks the process to shut down (SIGTERM), waits {@link #STOP_TIMEOUT}, then kills it (SIGKILL).
   */
  static void stop(Process running) {
    try {
      running.destroy();
      if (!running.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        running.destroyForcibly();
        running.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      running.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The end of a child's log, so a start-up failure shows its reason without opening the file. */
  static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - 15), lines.size());
      return tail.isEmpty()
          ? ""
          : System.lineSeparator() + String.join(System.lineSeparator(), tail);
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }
}
