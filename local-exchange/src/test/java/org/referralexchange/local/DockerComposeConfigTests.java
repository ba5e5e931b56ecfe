package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real-infrastructure compose file stays valid. {@code docker compose config} needs no engine,
 * only the CLI and its compose plugin; Debian's standalone {@code docker-compose} is used when the
 * plugin is missing.
 */
class DockerComposeConfigTests {

  private static final Path COMPOSE_FILE = Path.of("..", "docker-compose.yml");

  @Test
  void composeFilePassesComposeConfig() throws Exception {
    assumeTrue(onPath("docker") || onPath("docker-compose"), "no docker CLI on PATH");
    Optional<List<String>> compose = composeCommand();
    assumeTrue(compose.isPresent(), "docker CLI without the compose plugin or docker-compose");
    assertThat(COMPOSE_FILE).isRegularFile();

    List<String> command = new ArrayList<>(compose.get());
    command.addAll(List.of("-f", COMPOSE_FILE.toString(), "config", "--quiet"));
    Result result = run(command);

    assertThat(result.exitCode())
        .as("exit code of %s; output:%n%s", String.join(" ", command), result.output())
        .isZero();
  }

  /** {@code docker compose} when the plugin answers, else {@code docker-compose}. */
  private static Optional<List<String>> composeCommand() throws Exception {
    for (List<String> candidate :
        List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
      if (onPath(candidate.get(0))) {
        List<String> version = new ArrayList<>(candidate);
        version.add("version");
        if (run(version).exitCode() == 0) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  private static Result run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(process.exitValue(), output);
  }

  private static boolean onPath(String executable) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(dir -> !dir.isBlank())
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, executable)));
  }

  private record Result(int exitCode, String output) {}
}
