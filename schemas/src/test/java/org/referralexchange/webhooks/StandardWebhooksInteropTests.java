package org.referralexchange.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.webhooks.StandardWebhooks.Reason;
import org.referralexchange.webhooks.StandardWebhooks.Rejected;
import org.referralexchange.webhooks.StandardWebhooks.Verified;

/**
 * Our signatures against the Standard Webhooks reference library for TypeScript ({@code
 * standardwebhooks} on npm, run by {@code node}): theirs verifies ours, ours verifies theirs, and
 * both refuse a tampered body. Installed once into the build folder with the ordinary npm client;
 * skipped, saying why, where node or npm is missing or the install fails.
 */
class StandardWebhooksInteropTests {

  static final String VERSION = System.getProperty("standardwebhooks-js.version", "1.1.1");
  static final Path DIRECTORY =
      Path.of(System.getProperty("standardwebhooks-js.directory", "target/standardwebhooks-js"))
          .toAbsolutePath();

  /**
   * Reads one line of JSON on stdin; signs with the library, verifies our signature of the body and
   * of a tampered body; prints the results as JSON. {@code verify} throws on a bad signature.
   */
  static final String SCRIPT =
      """
      const { Webhook } = require("standardwebhooks");
      let input = "";
      process.stdin.on("data", (chunk) => (input += chunk));
      process.stdin.on("end", () => {
        const c = JSON.parse(input);
        const wh = new Webhook(c.secret);
        const body = Buffer.from(c.body, "base64").toString("utf8");
        const headers = (signature) => ({
          "webhook-id": c.id,
          "webhook-timestamp": String(c.timestamp),
          "webhook-signature": signature,
        });
        const verifies = (payload, signature) => {
          try { wh.verify(payload, headers(signature)); return true; } catch (e) { return false; }
        };
        console.log(JSON.stringify({
          signature: wh.sign(c.id, new Date(c.timestamp * 1000), body),
          verifiesOurs: verifies(body, c.ours),
          verifiesOursTampered: verifies(body + " ", c.ours),
        }));
      });
      """;

  static final String SECRET =
      "whsec_"
          + Base64.getEncoder()
              .encodeToString("interop-secret-of-32-bytes-long!".getBytes(StandardCharsets.UTF_8));

  /** Non-ASCII on purpose: both sides must sign the UTF-8 bytes. */
  static final byte[] BODY =
      "{\"referralId\":\"r-1\",\"status\":\"accepted\",\"note\":\"café ✓\"}"
          .getBytes(StandardCharsets.UTF_8);

  @BeforeAll
  static void install() throws Exception {
    Assumptions.assumeTrue(
        run(List.of("node", "--version"), null).ok(), "node is not installed: interop skipped");
    if (Files.exists(DIRECTORY.resolve("node_modules/standardwebhooks/package.json"))
        && Files.readString(DIRECTORY.resolve("node_modules/standardwebhooks/package.json"))
            .contains("\"version\": \"" + VERSION + "\"")) {
      return;
    }
    Assumptions.assumeTrue(
        run(List.of("npm", "--version"), null).ok(), "npm is not installed: interop skipped");
    Files.createDirectories(DIRECTORY);
    Result install =
        run(
            List.of(
                "npm",
                "install",
                "--prefix",
                DIRECTORY.toString(),
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "standardwebhooks@" + VERSION),
            null);
    Assumptions.assumeTrue(
        install.ok(), () -> "npm could not install standardwebhooks@" + VERSION + ": " + install);
  }

  @Test
  void theReferenceLibraryAndOursVerifyEachOtherAndBothRefuseATamperedBody() throws Exception {
    String id = "msg_interop-1";
    long timestamp = Instant.now().getEpochSecond();
    String ours = StandardWebhooks.sign(id, timestamp, BODY, SECRET);

    Path script = DIRECTORY.resolve("interop.js");
    Files.writeString(script, SCRIPT);
    String input =
        "{\"secret\":\"%s\",\"id\":\"%s\",\"timestamp\":%d,\"body\":\"%s\",\"ours\":\"%s\"}"
            .formatted(SECRET, id, timestamp, Base64.getEncoder().encodeToString(BODY), ours);
    Result node = run(List.of("node", script.toString()), input);
    assertThat(node.ok()).as(node.toString()).isTrue();
    String out = node.output();

    assertThat(out).as("their verify of our signature").contains("\"verifiesOurs\":true");
    assertThat(out)
        .as("their verify of our signature over a tampered body")
        .contains("\"verifiesOursTampered\":false");

    String theirs = out.replaceAll("(?s).*\"signature\":\"([^\"]+)\".*", "$1");
    assertThat(theirs).startsWith("v1,").isEqualTo(ours);
    Instant now = Instant.ofEpochSecond(timestamp);
    assertThat(StandardWebhooks.verify(id, Long.toString(timestamp), theirs, BODY, SECRET, now))
        .as("our verify of their signature")
        .isEqualTo(new Verified(id, now));
    byte[] tampered =
        (new String(BODY, StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
    assertThat(StandardWebhooks.verify(id, Long.toString(timestamp), theirs, tampered, SECRET, now))
        .as("our verify of their signature over a tampered body")
        .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
  }

  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }
  }

  /** Runs a command in the install folder; exit -1 when it cannot start or takes over 3 minutes. */
  static Result run(List<String> command, String stdin) throws InterruptedException {
    try {
      Files.createDirectories(DIRECTORY);
      Process process =
          new ProcessBuilder(new ArrayList<>(command))
              .directory(DIRECTORY.toFile())
              .redirectErrorStream(true)
              .start();
      try (var in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(3, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        return new Result(-1, "timed out: " + String.join(" ", command));
      }
      return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    }
  }
}
