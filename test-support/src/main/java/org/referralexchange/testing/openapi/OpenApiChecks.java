package org.referralexchange.testing.openapi;

import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAPI document judged by swagger-parser (its messages) and by {@code @redocly/cli lint}, run
 * with {@code npx} at the version in the system property {@value #REDOCLY_VERSION_PROPERTY} (set by
 * the build's surefire configuration) against the module's committed config. Without {@code npx} on
 * the PATH, {@link #redoclyUnavailable()} says why, for the test to skip saying so.
 */
public final class OpenApiChecks {

  public static final String REDOCLY_VERSION_PROPERTY = "redocly-cli.version";

  private static final Pattern TOTAL = Pattern.compile("\"(errors|warnings)\"\\s*:\\s*(\\d+)");

  private OpenApiChecks() {}

  /** swagger-parser's messages about the document (with references resolved); none when valid. */
  public static List<String> swaggerParserMessages(String document) {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIParser().readContents(document, null, options);
    if (result.getOpenAPI() == null) {
      return result.getMessages() == null || result.getMessages().isEmpty()
          ? List.of("swagger-parser read no OpenAPI document")
          : result.getMessages();
    }
    return result.getMessages() == null ? List.of() : result.getMessages();
  }

  /** Why Redocly's CLI cannot run here, or empty when it can. */
  public static Optional<String> redoclyUnavailable() {
    if (System.getProperty(REDOCLY_VERSION_PROPERTY) == null) {
      return Optional.of(
          "system property " + REDOCLY_VERSION_PROPERTY + " is not set (run the tests with Maven)");
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "npx"))) {
        return Optional.empty();
      }
    }
    return Optional.of("npx (Node.js with npm) is not on the PATH; .ci/run installs it");
  }

  /** What the linter said: its problem counts and its report. */
  public record LintResult(int exitCode, int errors, int warnings, String report) {

    public boolean clean() {
      return exitCode == 0 && errors == 0 && warnings == 0;
    }
  }

  /**
   * Lints the document with {@code npx --yes @redocly/cli@<version> lint}, under {@code config}.
   * The JSON report goes to a file beside the document (npx and npm may print notices on stdout).
   */
  public static LintResult redoclyLint(Path document, Path config) {
    String version = System.getProperty(REDOCLY_VERSION_PROPERTY);
    Path report = document.resolveSibling(document.getFileName() + ".redocly.json");
    Path log = document.resolveSibling(document.getFileName() + ".redocly.log");
    try {
      Process process =
          new ProcessBuilder(
                  "npx",
                  "--yes",
                  "@redocly/cli@" + version,
                  "lint",
                  "--config",
                  config.toAbsolutePath().toString(),
                  "--format",
                  "json",
                  document.toAbsolutePath().toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("redocly lint did not finish in 5 minutes; see " + log);
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      int start = output.indexOf('{');
      String json = start < 0 ? "" : output.substring(start);
      Files.writeString(report, json, StandardCharsets.UTF_8);
      int errors = -1;
      int warnings = -1;
      Matcher totals = TOTAL.matcher(json);
      while (totals.find()) {
        if (totals.group(1).equals("errors") && errors < 0) {
          errors = Integer.parseInt(totals.group(2));
        } else if (totals.group(1).equals("warnings") && warnings < 0) {
          warnings = Integer.parseInt(totals.group(2));
        }
      }
      return new LintResult(process.exitValue(), errors, warnings, output);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not run redocly lint", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("Interrupted while linting", e);
    }
  }
}
