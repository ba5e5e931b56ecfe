package org.referralexchange.envelope;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.referralexchange.envelope.EnvelopeKeys.KeyDescription;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.EncryptedEnvelope;

class EnvelopeKeysTests {

  private static final String REFERRAL_ID = "0f6c2d3e-8a1b-4c5d-9e0f-112233445566";

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void generatedKeysetHasOneEnabledPrimaryAes256GcmKey() {
    List<KeyDescription> keys = EnvelopeKeys.describeKeysetJson(EnvelopeKeys.generateKeysetJson());

    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).keyId()).matches("tink-[0-9]+");
    assertThat(keys.get(0).status()).isEqualTo("ENABLED");
    assertThat(keys.get(0).primary()).isTrue();
    assertThat(keys.get(0).algorithm()).isEqualTo("AES256_GCM");
  }

  @Test
  void rotationAddsANewPrimaryAndKeepsEveryOldKeyEnabled() {
    String first = EnvelopeKeys.generateKeysetJson();
    String second = EnvelopeKeys.rotateKeysetJson(first);
    String third = EnvelopeKeys.rotateKeysetJson(second);

    List<KeyDescription> before = EnvelopeKeys.describeKeysetJson(first);
    List<KeyDescription> after = EnvelopeKeys.describeKeysetJson(third);
    assertThat(after).hasSize(3);
    assertThat(after).extracting(KeyDescription::status).containsOnly("ENABLED");
    assertThat(after).filteredOn(KeyDescription::primary).hasSize(1);
    KeyDescription newPrimary = after.stream().filter(KeyDescription::primary).findFirst().get();
    assertThat(EnvelopeKeys.describeKeysetJson(second))
        .extracting(KeyDescription::keyId)
        .doesNotContain(newPrimary.keyId());
    assertThat(after)
        .extracting(KeyDescription::keyId)
        .contains(before.get(0).keyId())
        .doesNotHaveDuplicates();
  }

  @Test
  void keyIdsAreTheTinkIdAsUnsignedDecimal() {
    assertThat(EnvelopeKeys.keyId(42)).isEqualTo("tink-42");
    assertThat(EnvelopeKeys.keyId(-1)).isEqualTo("tink-4294967295");
  }

  @Test
  void cliGenerateWritesAnOwnerOnlyKeysetThatSealsAndOpens() throws Exception {
    Path file = dir.resolve("keyset.json");

    assertThat(run("generate", file.toString())).isZero();

    String json = Files.readString(file, UTF_8);
    String keyId = EnvelopeKeys.describeKeysetJson(json).get(0).keyId();
    assertThat(out.toString(UTF_8))
        .contains(keyId)
        .doesNotContain(EnvelopeCipherTests.keyValueOf(json));
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
    }
    EnvelopeCipher cipher = EnvelopeCipher.fromKeysetFile(file);
    ClientIdentity identity = EnvelopeCipherTests.canaryIdentity();
    assertThat(cipher.open(cipher.seal(identity, REFERRAL_ID), ClientIdentity.class, REFERRAL_ID))
        .isEqualTo(identity);
  }

  @Test
  void cliGenerateRefusesToOverwriteAnExistingFile() throws Exception {
    Path file = dir.resolve("keyset.json");
    Files.writeString(file, "existing keyset", UTF_8);

    assertThat(run("generate", file.toString())).isEqualTo(1);

    assertThat(Files.readString(file, UTF_8)).isEqualTo("existing keyset");
    assertThat(err.toString(UTF_8)).contains("refusing to overwrite");
  }

  @Test
  void cliRotateKeepsOldEnvelopesOpenAndListShowsTheNewPrimary() throws Exception {
    Path file = dir.resolve("keyset.json");
    assertThat(run("generate", file.toString())).isZero();
    EnvelopeCipher before = EnvelopeCipher.fromKeysetFile(file);
    EncryptedEnvelope old = before.seal(EnvelopeCipherTests.canaryIdentity(), REFERRAL_ID);

    assertThat(run("rotate", file.toString())).isZero();

    EnvelopeCipher after = EnvelopeCipher.fromKeysetFile(file);
    assertThat(after.primaryKeyId()).isNotEqualTo(before.primaryKeyId());
    assertThat(after.open(old, ClientIdentity.class, REFERRAL_ID))
        .isEqualTo(EnvelopeCipherTests.canaryIdentity());
    try (var siblings = Files.list(dir)) {
      assertThat(siblings).containsExactly(file); // no temp file left behind
    }

    out.reset();
    assertThat(run("list", file.toString())).isZero();
    List<String> lines = out.toString(UTF_8).lines().toList();
    assertThat(lines)
        .containsExactlyInAnyOrder(
            before.primaryKeyId() + "\tENABLED\tAES256_GCM",
            after.primaryKeyId() + "\tENABLED\tAES256_GCM\tprimary");
    assertThat(out.toString(UTF_8))
        .doesNotContain(EnvelopeCipherTests.keyValueOf(Files.readString(file, UTF_8)));
  }

  @Test
  void cliRotateOfAMissingFileFailsWithoutCreatingIt() {
    Path file = dir.resolve("absent.json");

    assertThat(run("rotate", file.toString())).isEqualTo(1);

    assertThat(file).doesNotExist();
    assertThat(err.toString(UTF_8)).contains("no keyset at");
  }

  @Test
  void cliListOfAFileThatIsNotAKeysetFailsWithoutQuotingIt() throws Exception {
    Path file = dir.resolve("notes.txt");
    Files.writeString(file, "{\"secret\": \"do-not-echo-me\"", UTF_8);

    assertThat(run("list", file.toString())).isEqualTo(1);

    assertThat(err.toString(UTF_8))
        .contains("not a Tink JSON keyset")
        .doesNotContain("do-not-echo-me");
  }

  @Test
  void cliWithoutTwoArgumentsOrWithAnUnknownCommandPrintsUsage() {
    assertThat(run("generate")).isEqualTo(2);
    assertThat(run("destroy", dir.resolve("k.json").toString())).isEqualTo(2);
    assertThat(err.toString(UTF_8))
        .contains("usage: EnvelopeKeys")
        .contains("unknown command 'destroy'");
  }

  private int run(String... args) {
    return EnvelopeKeys.run(
        args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
  }
}
