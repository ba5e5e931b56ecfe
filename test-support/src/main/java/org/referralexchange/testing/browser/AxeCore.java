package org.referralexchange.testing.browser;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * axe-core, Deque's accessibility engine, from npm: installed once into the build folder with the
 * ordinary npm client ({@code --no-save --no-package-lock}, so no file records where it came from),
 * injected into the page under test through WebDriver (which a page's Content-Security-Policy does
 * not block) and run with the WCAG 2.0/2.1 A and AA rules.
 *
 * <p>The version and folder come from the system properties {@value #VERSION_PROPERTY} and {@value
 * #DIRECTORY_PROPERTY}, set by the module's surefire configuration. Without npm (and no copy
 * installed before), the checks are skipped and say so; they never pass silently unnoticed: {@link
 * #unavailable} lets a test report the skip.
 */
public final class AxeCore {

  public static final String VERSION_PROPERTY = "axe-core.version";
  public static final String DIRECTORY_PROPERTY = "axe-core.directory";

  /** The WCAG 2.1 level AA bar: A and AA rules of 2.0 and 2.1. */
  static final List<String> WCAG_21_AA = List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa");

  private static final List<String> FAILING_IMPACTS = List.of("serious", "critical");
  private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");

  private static final String RUN =
      """
      const done = arguments[arguments.length - 1];
      axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations', 'passes']})
        .then(result => done({passes: result.passes.length, violations: result.violations.map(v => ({
          id: v.id, impact: v.impact || 'unknown', help: v.help,
          targets: v.nodes.map(n => n.target.join(' '))}))}))
        .catch(error => done('axe failed: ' + error));
      """;

  private final String version;
  private final Path directory;
  private String source;
  private String unavailable;
  private boolean skipReported;

  AxeCore(String version, Path directory) {
    this.version = version;
    this.directory = directory;
  }

  static AxeCore fromSystemProperties() {
    return new AxeCore(
        System.getProperty(VERSION_PROPERTY),
        Path.of(System.getProperty(DIRECTORY_PROPERTY, "target/axe")).toAbsolutePath());
  }

  /** Why axe-core cannot run here, or empty when it can (installing it first if need be). */
  public synchronized Optional<String> unavailable() {
    if (source == null && unavailable == null) {
      try {
        source = load();
      } catch (Unavailable e) {
        unavailable = e.getMessage();
      }
    }
    return Optional.ofNullable(unavailable);
  }

  /** Runs axe-core in the current page; fails listing each serious or critical violation. */
  public void assertNoSeriousViolations(WebDriver driver, String page) {
    Optional<String> why = unavailable();
    if (why.isPresent()) {
      if (!skipReported) {
        skipReported = true;
        System.err.println("[axe] accessibility checks skipped: " + why.get());
      }
      return;
    }
    JavascriptExecutor js = (JavascriptExecutor) driver;
    js.executeScript(source);
    Object result = js.executeAsyncScript(RUN, WCAG_21_AA);
    if (!(result instanceof Map<?, ?> outcome
        && outcome.get("violations") instanceof List<?> violations)) {
      throw new AssertionError("axe-core did not run on " + page + ": " + result);
    }
    System.err.println(
        "[axe] "
            + page
            + ": "
            + outcome.get("passes")
            + " rules passed, "
            + violations.size()
            + " violated");
    List<String> failing = new ArrayList<>();
    for (Object item : violations) {
      Map<?, ?> violation = (Map<?, ?>) item;
      String line =
          violation.get("id")
              + " ("
              + violation.get("impact")
              + "): "
              + violation.get("help")
              + " at "
              + violation.get("targets");
      if (FAILING_IMPACTS.contains(String.valueOf(violation.get("impact")))) {
        failing.add(line);
      } else {
        // Below the bar, but worth a look: said, not failed.
        System.err.println("[axe] " + page + ": " + line);
      }
    }
    if (!failing.isEmpty()) {
      throw new AssertionError(
          "axe-core "
              + version
              + " found serious or critical WCAG 2.1 AA violations on "
              + page
              + " ("
              + driver.getCurrentUrl().replaceAll("/intake/.*", "/intake/…")
              + "):\n  "
              + String.join("\n  ", failing));
    }
  }

  private String load() throws Unavailable {
    if (version == null || version.isBlank()) {
      throw new Unavailable("the system property " + VERSION_PROPERTY + " names no version");
    }
    Path script = directory.resolve("node_modules/axe-core/axe.min.js");
    try {
      Files.createDirectories(directory);
      // Two test JVMs of one build may both get here first: one installs, the other waits.
      try (FileChannel channel =
              FileChannel.open(
                  directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        if (!version.equals(installedVersion())) {
          install();
        }
      }
      return Files.readString(script, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Unavailable("axe-core could not be read from " + script + ": " + e.getMessage());
    }
  }

  private String installedVersion() throws IOException {
    Path manifest = directory.resolve("node_modules/axe-core/package.json");
    if (!Files.isRegularFile(manifest)
        || !Files.isRegularFile(manifest.resolveSibling("axe.min.js"))) {
      return null;
    }
    Matcher matcher = VERSION.matcher(Files.readString(manifest));
    return matcher.find() ? matcher.group(1) : null;
  }

  private void install() throws Unavailable, IOException {
    Path npm = onPath("npm");
    if (npm == null) {
      throw new Unavailable(
          "npm is not on the PATH and axe-core "
              + version
              + " is not installed in "
              + directory
              + " (install Node.js with npm)");
    }
    Path log = directory.resolve("npm-install.log");
    Process process =
        new ProcessBuilder(
                npm.toString(),
                "install",
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--prefix",
                directory.toString(),
                "axe-core@" + version)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new Unavailable("npm install axe-core@" + version + " took over 5 minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while installing axe-core");
    }
    if (process.exitValue() != 0 || !version.equals(installedVersion())) {
      throw new Unavailable(
          "npm install axe-core@"
              + version
              + " failed (exit "
              + process.exitValue()
              + "):\n"
              + Files.readString(log));
    }
  }

  private static Path onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** Why axe-core cannot run; becomes a skip message. */
  private static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }
}
