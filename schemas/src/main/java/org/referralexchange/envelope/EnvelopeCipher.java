package org.referralexchange.envelope;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.envelope.EnvelopeException.Failure;
import org.referralexchange.events.v1.EncryptedEnvelope;

/**
 * Seals an Avro record into an {@link EncryptedEnvelope} and opens it again, with a Tink AEAD
 * keyset.
 *
 * <p>The payload is Avro-binary encoded with its generated class's schema and encrypted with the
 * keyset's primary key. The associated data is the referral id: it is authenticated but not stored,
 * so an envelope pasted into another referral's event does not open. Tink prefixes every ciphertext
 * with the id of the key that made it and picks that key on decryption, so after a rotation
 * envelopes sealed with older keys still open as long as the keyset keeps those keys.
 *
 * <p>Instances are immutable and thread-safe (Tink primitives are); build one per keyset and share
 * it. Every failure is an {@link EnvelopeException} whose message carries no plaintext and no key
 * material. The envelope's {@code keyId}, {@code algorithm} and {@code payloadSchema} are metadata
 * for routing and diagnosis; only the ciphertext and the referral id are authenticated.
 *
 * <p>How to get the keyset (KMS in production, cleartext JSON for local runs and tests) and how to
 * rotate it is described on {@link EnvelopeKeys}.
 */
public final class EnvelopeCipher {

  private final Aead aead;
  private final String primaryKeyId;
  private final String algorithm;
  private final Set<String> enabledKeyIds;

  private EnvelopeCipher(
      Aead aead, String primaryKeyId, String algorithm, Set<String> enabledKeyIds) {
    this.aead = aead;
    this.primaryKeyId = primaryKeyId;
    this.algorithm = algorithm;
    this.enabledKeyIds = enabledKeyIds;
  }

  /**
   * A cipher over an AEAD keyset handle, for example one decrypted with a KMS key via {@code
   * TinkJsonProtoKeysetFormat.parseEncryptedKeyset}.
   *
   * @throws EnvelopeException ({@link Failure#INVALID_KEYSET}) if the keyset is not an AEAD keyset
   */
  public static EnvelopeCipher fromKeysetHandle(KeysetHandle handle) {
    Objects.requireNonNull(handle, "handle");
    EnvelopeKeys.ensureTinkRegistered();
    Aead aead;
    try {
      aead = handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(
          Failure.INVALID_KEYSET, "keyset does not provide the AEAD primitive", e);
    }
    Set<String> enabled = new LinkedHashSet<>();
    for (int i = 0; i < handle.size(); i++) {
      KeysetHandle.Entry entry = handle.getAt(i);
      if (entry.getStatus().equals(KeyStatus.ENABLED)) {
        enabled.add(EnvelopeKeys.keyId(entry.getId()));
      }
    }
    KeysetHandle.Entry primary = handle.getPrimary();
    return new EnvelopeCipher(
        aead,
        EnvelopeKeys.keyId(primary.getId()),
        EnvelopeKeys.ALGORITHM_PREFIX
            + EnvelopeKeys.parametersName(primary.getKey().getParameters()),
        Set.copyOf(enabled));
  }

  /**
   * A cipher over a cleartext JSON keyset as written by {@link EnvelopeKeys}. For local runs and
   * tests; production decrypts the keyset with a KMS and uses {@link
   * #fromKeysetHandle(KeysetHandle)}.
   *
   * @throws EnvelopeException ({@link Failure#INVALID_KEYSET}) if the text is not such a keyset
   */
  public static EnvelopeCipher fromKeysetJson(String cleartextJsonKeyset) {
    return fromKeysetHandle(EnvelopeKeys.parse(cleartextJsonKeyset));
  }

  /**
   * A cipher over a cleartext JSON keyset file (UTF-8).
   *
   * @throws EnvelopeException ({@link Failure#INVALID_KEYSET}) if the file cannot be read or is not
   *     such a keyset
   */
  public static EnvelopeCipher fromKeysetFile(Path file) {
    Objects.requireNonNull(file, "file");
    String json;
    try {
      json = Files.readString(file, UTF_8);
    } catch (IOException e) {
      throw new EnvelopeException(
          Failure.INVALID_KEYSET, "cannot read keyset file " + file.toAbsolutePath(), e);
    }
    return fromKeysetJson(json);
  }

  /** The id of the key that {@link #seal} uses, as written to {@code EncryptedEnvelope.keyId}. */
  public String primaryKeyId() {
    return primaryKeyId;
  }

  /**
   * Encrypts {@code payload} bound to {@code associatedData}.
   *
   * @param payload a generated Avro record, for example a {@code ClientIdentity}
   * @param associatedData the referral id the payload belongs to; needed, unchanged, to open it
   * @return an envelope naming the primary key, the algorithm and the payload's record type
   * @throws EnvelopeException if the record cannot be encoded or encryption fails
   */
  public EncryptedEnvelope seal(SpecificRecord payload, String associatedData) {
    Objects.requireNonNull(payload, "payload");
    byte[] aad = associatedDataBytes(associatedData);
    Schema schema = payload.getSchema();
    byte[] plaintext = encode(payload, schema);
    byte[] ciphertext;
    try {
      ciphertext = aead.encrypt(plaintext, aad);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(
          Failure.ENCRYPTION_FAILED, "cannot encrypt " + schema.getFullName(), e);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
    return EncryptedEnvelope.newBuilder()
        .setKeyId(primaryKeyId)
        .setAlgorithm(algorithm)
        .setPayloadSchema(schema.getFullName())
        .setCiphertext(ByteBuffer.wrap(ciphertext))
        .build();
  }

  /**
   * Decrypts and decodes an envelope sealed by {@link #seal} with a key this keyset holds.
   *
   * @param envelope the envelope from the event
   * @param type the generated class the envelope must hold; its full name must equal {@code
   *     payloadSchema}
   * @param associatedData the referral id of the event the envelope came with
   * @throws EnvelopeException on a schema mismatch, an unknown key, a wrong referral id, altered
   *     ciphertext or an undecodable payload
   */
  public <T extends SpecificRecord> T open(
      EncryptedEnvelope envelope, Class<T> type, String associatedData) {
    Objects.requireNonNull(envelope, "envelope");
    Objects.requireNonNull(type, "type");
    byte[] aad = associatedDataBytes(associatedData);
    SpecificData model = SpecificData.getForClass(type);
    Schema schema = model.getSchema(type);
    if (!schema.getFullName().equals(envelope.getPayloadSchema())) {
      throw new EnvelopeException(
          Failure.SCHEMA_MISMATCH,
          "envelope holds "
              + printable(envelope.getPayloadSchema())
              + " but "
              + schema.getFullName()
              + " was asked for");
    }
    if (!enabledKeyIds.contains(envelope.getKeyId())) {
      throw new EnvelopeException(
          Failure.UNKNOWN_KEY,
          "envelope key "
              + printable(envelope.getKeyId())
              + " is not an enabled key of this keyset "
              + enabledKeyIds
              + "; was the keyset rotated without keeping old keys?");
    }
    ByteBuffer buffer = envelope.getCiphertext().duplicate();
    byte[] ciphertext = new byte[buffer.remaining()];
    buffer.get(ciphertext);
    byte[] plaintext;
    try {
      plaintext = aead.decrypt(ciphertext, aad);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(
          Failure.DECRYPTION_FAILED,
          "cannot decrypt "
              + schema.getFullName()
              + " sealed with key "
              + printable(envelope.getKeyId())
              + ": wrong referral id, altered ciphertext or missing key",
          e);
    }
    try {
      return decode(plaintext, type, schema, model);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "EnvelopeCipher[primary=" + primaryKeyId + ", enabledKeys=" + enabledKeyIds + "]";
  }

  private static byte[] encode(SpecificRecord payload, Schema schema) {
    SpecificDatumWriter<SpecificRecord> writer =
        new SpecificDatumWriter<>(schema, SpecificData.getForClass(payload.getClass()));
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    try {
      writer.write(payload, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      // Avro's messages can quote the offending value, so the cause is named, not attached.
      throw new EnvelopeException(
          Failure.UNENCODABLE_PAYLOAD,
          "cannot encode " + schema.getFullName() + " (" + e.getClass().getSimpleName() + ")");
    }
    return out.toByteArray();
  }

  private static <T extends SpecificRecord> T decode(
      byte[] plaintext, Class<T> type, Schema schema, SpecificData model) {
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(schema, schema, model);
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(plaintext, null);
    T record;
    boolean trailingBytes;
    try {
      record = reader.read(null, decoder);
      trailingBytes = !decoder.isEnd();
    } catch (IOException | RuntimeException e) {
      // As in encode: Avro's message may quote decoded text, so only the exception type is named.
      throw new EnvelopeException(
          Failure.UNDECODABLE_PAYLOAD,
          "payload is not a valid "
              + schema.getFullName()
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
    if (trailingBytes) {
      throw new EnvelopeException(
          Failure.UNDECODABLE_PAYLOAD,
          "payload has bytes after the " + schema.getFullName() + " record");
    }
    return type.cast(record);
  }

  private static byte[] associatedDataBytes(String associatedData) {
    Objects.requireNonNull(associatedData, "associatedData");
    if (associatedData.isBlank()) {
      throw new IllegalArgumentException("associated data (the referral id) must not be blank");
    }
    return associatedData.getBytes(UTF_8);
  }

  /** Envelope metadata is not authenticated: keep it short and free of control characters. */
  private static String printable(String untrusted) {
    if (untrusted == null) {
      return "<none>";
    }
    String limited = untrusted.length() > 80 ? untrusted.substring(0, 80) + "…" : untrusted;
    return "'" + limited.replaceAll("\\p{Cntrl}", "?") + "'";
  }
}
