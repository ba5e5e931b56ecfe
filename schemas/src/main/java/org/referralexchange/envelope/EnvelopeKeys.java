package org.referralexchange.envelope;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Parameters;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.referralexchange.envelope.EnvelopeException.Failure;

/**
 * Keysets for {@link EnvelopeCipher}: generate, rotate and list, as static methods and as an
 * operator command line.
 *
 * <p>A keyset holds one or more AES256-GCM keys; one is primary and seals new envelopes, all
 * enabled ones open envelopes. Key ids are written as {@code tink-<id>}, the Tink key id as an
 * unsigned decimal, for example {@code tink-3512345678}.
 *
 * <h2>Where keysets live</h2>
 *
 * <p>The cleartext JSON form written here is for local runs and tests only: anyone who can read the
 * file can read every client's identity. In production the keyset is stored encrypted under a key
 * in a KMS (a key-encryption key that never leaves the KMS): build the KMS {@code Aead} with the
 * Tink KMS extension ({@code tink-gcpkms} / {@code tink-awskms}, or a {@code KmsAeadKeyManager} /
 * {@code KmsEnvelopeAead} over it), store the keyset with {@code
 * TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(handle, kmsAead, associatedData)}, load it
 * with {@code parseEncryptedKeyset} and pass the handle to {@link EnvelopeCipher#fromKeysetHandle}.
 * Tinkey ({@code tinkey create-keyset --master-key-uri ...}) produces the same encrypted form.
 *
 * <h2>Rotating a key</h2>
 *
 * <ol>
 *   <li>{@code rotate <file>} adds a new key, makes it primary and keeps every old key, so
 *       envelopes already on topics (and in dead-letter topics awaiting replay) still open.
 *   <li>Deploy the rotated keyset to every agency adapter (the readers) first, then to the gateway
 *       (the writer). Readers holding the new keyset open both old and new envelopes; if the
 *       gateway went first, adapters would fail on envelopes sealed with a key they lack.
 *   <li>Check with {@code list <file>} that the new key is primary everywhere.
 *   <li>Remove an old key only once no retained event, dead-letter record or replay needs it
 *       (longer than the longest topic retention). This tool never removes keys.
 * </ol>
 *
 * <p>Run it from the repository root, for example: {@code mvn -q -pl schemas exec:java
 * -Dexec.mainClass=org.referralexchange.envelope.EnvelopeKeys -Dexec.args="generate
 * /secure/dir/envelope-keyset.json"}. It never prints key material.
 */
public final class EnvelopeKeys {

  /** Prefix of {@code EncryptedEnvelope.algorithm} values written by {@link EnvelopeCipher}. */
  static final String ALGORITHM_PREFIX = "tink-aead/";

  private static final String KEY_ID_PREFIX = "tink-";

  /** Every new key: AES-256 in GCM, with Tink's 5-byte key-id prefix on each ciphertext. */
  private static final Parameters NEW_KEY_PARAMETERS = PredefinedAeadParameters.AES256_GCM;

  private static final Map<Parameters, String> PREDEFINED_NAMES =
      Map.of(
          PredefinedAeadParameters.AES128_GCM, "AES128_GCM",
          PredefinedAeadParameters.AES256_GCM, "AES256_GCM",
          PredefinedAeadParameters.AES128_EAX, "AES128_EAX",
          PredefinedAeadParameters.AES256_EAX, "AES256_EAX",
          PredefinedAeadParameters.AES128_CTR_HMAC_SHA256, "AES128_CTR_HMAC_SHA256",
          PredefinedAeadParameters.AES256_CTR_HMAC_SHA256, "AES256_CTR_HMAC_SHA256",
          PredefinedAeadParameters.CHACHA20_POLY1305, "CHACHA20_POLY1305",
          PredefinedAeadParameters.XCHACHA20_POLY1305, "XCHACHA20_POLY1305");

  private static final String USAGE =
      """
      usage: EnvelopeKeys <command> <keyset-file>
        generate <file>  write a new cleartext JSON keyset with one AES256_GCM key (never overwrites)
        rotate <file>    add a new primary key, keeping the old ones so old envelopes still open
        list <file>      print key ids, status and algorithm (no key material)
      Cleartext keysets are for local runs and tests; production keeps the keyset KMS-encrypted.""";

  /** One key of a keyset, without its material. */
  public record KeyDescription(String keyId, String status, boolean primary, String algorithm) {}

  private EnvelopeKeys() {}

  /** A new cleartext JSON keyset holding one primary AES256-GCM key. */
  public static String generateKeysetJson() {
    ensureTinkRegistered();
    try {
      return serialize(KeysetHandle.generateNew(NEW_KEY_PARAMETERS));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an AES256_GCM key", e);
    }
  }

  /**
   * The keyset plus a new AES256-GCM key that becomes primary; the old keys stay enabled so
   * envelopes sealed with them still open.
   *
   * @throws EnvelopeException ({@link Failure#INVALID_KEYSET}) if the text is not a keyset
   */
  public static String rotateKeysetJson(String cleartextJsonKeyset) {
    KeysetHandle current = parse(cleartextJsonKeyset);
    try {
      KeysetHandle rotated =
          KeysetHandle.newBuilder(current)
              .addEntry(
                  KeysetHandle.generateEntryFromParameters(NEW_KEY_PARAMETERS)
                      .withRandomId()
                      .makePrimary())
              .build();
      return serialize(rotated);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(Failure.INVALID_KEYSET, "cannot add a key to the keyset", e);
    }
  }

  /**
   * The keys of a keyset, in keyset order, without key material.
   *
   * @throws EnvelopeException ({@link Failure#INVALID_KEYSET}) if the text is not a keyset
   */
  public static List<KeyDescription> describeKeysetJson(String cleartextJsonKeyset) {
    KeysetHandle handle = parse(cleartextJsonKeyset);
    List<KeyDescription> keys = new ArrayList<>(handle.size());
    for (int i = 0; i < handle.size(); i++) {
      KeysetHandle.Entry entry = handle.getAt(i);
      keys.add(
          new KeyDescription(
              keyId(entry.getId()),
              entry.getStatus().toString(),
              entry.isPrimary(),
              parametersName(entry.getKey().getParameters())));
    }
    return List.copyOf(keys);
  }

  /**
   * Operator command line: {@code generate|rotate|list <keyset-file>}. Exits non-zero on failure.
   */
  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /** The command line without {@code System.exit}: 0 on success, 1 on failure, 2 on misuse. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length != 2) {
      err.println(USAGE);
      return 2;
    }
    Path file = Path.of(args[1]);
    try {
      switch (args[0]) {
        case "generate" -> {
          String json = generateKeysetJson();
          writeNewOwnerOnly(file, json);
          out.println("wrote new keyset " + file + " with primary key " + primaryOf(json));
        }
        case "rotate" -> {
          String rotated = rotateKeysetJson(Files.readString(file, UTF_8));
          replaceOwnerOnly(file, rotated);
          out.println(
              "rotated "
                  + file
                  + ": new primary key "
                  + primaryOf(rotated)
                  + ", old keys kept. Deploy to the adapters before the gateway.");
        }
        case "list" -> {
          for (KeyDescription key : describeKeysetJson(Files.readString(file, UTF_8))) {
            out.println(
                key.keyId()
                    + "\t"
                    + key.status()
                    + "\t"
                    + key.algorithm()
                    + (key.primary() ? "\tprimary" : ""));
          }
        }
        default -> {
          err.println("unknown command '" + args[0] + "'");
          err.println(USAGE);
          return 2;
        }
      }
      return 0;
    } catch (FileAlreadyExistsException e) {
      err.println("refusing to overwrite existing keyset " + file);
    } catch (NoSuchFileException e) {
      err.println("no keyset at " + file);
    } catch (IOException e) {
      err.println("cannot access " + file + ": " + e.getClass().getSimpleName());
    } catch (EnvelopeException e) {
      err.println(file + ": " + e.getMessage());
    }
    return 1;
  }

  /** The envelope key id of a Tink key id: {@code tink-} and the id as an unsigned decimal. */
  static String keyId(int tinkKeyId) {
    return KEY_ID_PREFIX + Integer.toUnsignedString(tinkKeyId);
  }

  /** Tink's template name for predefined AEAD parameters, else the parameters' type. */
  static String parametersName(Parameters parameters) {
    String name = PREDEFINED_NAMES.get(parameters);
    if (name != null) {
      return name;
    }
    return parameters.getClass().getSimpleName().replace("Parameters", "");
  }

  static KeysetHandle parse(String cleartextJsonKeyset) {
    Objects.requireNonNull(cleartextJsonKeyset, "cleartextJsonKeyset");
    ensureTinkRegistered();
    try {
      return TinkJsonProtoKeysetFormat.parseKeyset(
          cleartextJsonKeyset, InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException | RuntimeException e) {
      // The parser's message may quote the input, which is key material: name the type only.
      throw new EnvelopeException(
          Failure.INVALID_KEYSET, "not a Tink JSON keyset (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Registers Tink's AEAD key types once; {@code RegistryConfiguration} needs them. */
  static void ensureTinkRegistered() {
    TinkRegistration.ensure();
  }

  private static String serialize(KeysetHandle handle) throws GeneralSecurityException {
    return TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
  }

  private static String primaryOf(String json) {
    return describeKeysetJson(json).stream()
        .filter(KeyDescription::primary)
        .map(KeyDescription::keyId)
        .findFirst()
        .orElse("<none>");
  }

  private static void writeNewOwnerOnly(Path file, String json) throws IOException {
    Files.createFile(file, ownerOnly(file)); // FileAlreadyExistsException: never overwrite
    Files.writeString(file, json, UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Write beside the file, then rename over it, so a crash never leaves half a keyset. */
  private static void replaceOwnerOnly(Path file, String json) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, ".keyset-", ".tmp", ownerOnly(dir));
    try {
      Files.writeString(temp, json, UTF_8);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path path) {
    if (path.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[] {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
      };
    }
    return new FileAttribute<?>[0];
  }

  /** Initialization-on-demand holder: the JVM runs the registration once, thread-safely. */
  private static final class TinkRegistration {
    static {
      try {
        AeadConfig.register();
      } catch (GeneralSecurityException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** Does nothing: calling it loads this class, which registered Tink's AEAD key types. */
    static void ensure() {}
  }
}
