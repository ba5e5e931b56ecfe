package org.referralexchange.envelope;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.referralexchange.envelope.EnvelopeException.Failure;
import org.referralexchange.events.v1.Address;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.EncryptedEnvelope;
import org.referralexchange.events.v1.Identifier;
import org.referralexchange.events.v1.ReferralNarrative;

class EnvelopeCipherTests {

  private static final String GIVEN_NAME = "CANARY-Zebulon";
  private static final String FAMILY_NAME = "CANARY-Quixoteson";
  private static final String PHONE = "+15555550199";
  private static final String ADDRESS_LINE = "CANARY 742 Evergreen Terrace";
  private static final String IDENTIFIER = "CANARY-MRN-0042";
  private static final List<String> CANARIES =
      List.of(GIVEN_NAME, FAMILY_NAME, PHONE, ADDRESS_LINE, IDENTIFIER, "CANARY");

  private static final String REFERRAL_ID = "5b0f7a4e-2f43-4a55-9d6c-0c1f0e7d9a11";
  private static final String OTHER_REFERRAL_ID = "d2a9c1f0-0b6e-4a77-8f0e-5a3b2c1d0e99";

  private final String keysetJson = EnvelopeKeys.generateKeysetJson();
  private final EnvelopeCipher cipher = EnvelopeCipher.fromKeysetJson(keysetJson);

  @Test
  void roundTripsClientIdentityWithDateNestedAddressAndIdentifiers() {
    ClientIdentity identity = canaryIdentity();

    ClientIdentity opened =
        cipher.open(cipher.seal(identity, REFERRAL_ID), ClientIdentity.class, REFERRAL_ID);

    assertThat(opened).isEqualTo(identity);
    assertThat(opened.getBirthDate()).isEqualTo(LocalDate.of(1984, 2, 29));
    assertThat(opened.getAddress().getLines()).containsExactly(ADDRESS_LINE);
  }

  @Test
  void roundTripsReferralNarrative() {
    ReferralNarrative narrative =
        ReferralNarrative.newBuilder()
            .setNeedsDescription("CANARY needs housing")
            .setGoals(List.of("CANARY goal"))
            .build();

    assertThat(
            cipher.open(cipher.seal(narrative, REFERRAL_ID), ReferralNarrative.class, REFERRAL_ID))
        .isEqualTo(narrative);
  }

  @Test
  void ciphertextAndEnvelopeTextContainNoCanaryValue() {
    EncryptedEnvelope envelope = cipher.seal(canaryIdentity(), REFERRAL_ID);

    String ciphertextAsLatin1 = new String(bytes(envelope.getCiphertext()), ISO_8859_1);
    for (String canary : CANARIES) {
      assertThat(ciphertextAsLatin1).doesNotContain(canary);
      assertThat(envelope.toString()).doesNotContain(canary);
    }
  }

  @Test
  void canaryCheckWouldSeeAnUnencryptedPayload() {
    // Guards the test above: the same check does find the canaries in the Avro plaintext.
    String plaintext = new String(avroBinary(canaryIdentity()), ISO_8859_1);
    assertThat(plaintext).contains(GIVEN_NAME, PHONE, ADDRESS_LINE);
  }

  @Test
  void envelopeNamesPrimaryKeyAlgorithmAndPayloadRecord() {
    EncryptedEnvelope envelope = cipher.seal(canaryIdentity(), REFERRAL_ID);

    String primary = EnvelopeKeys.describeKeysetJson(keysetJson).get(0).keyId();
    assertThat(envelope.getKeyId()).matches("tink-[0-9]+").isEqualTo(primary);
    assertThat(cipher.primaryKeyId()).isEqualTo(primary);
    assertThat(envelope.getAlgorithm()).isEqualTo("tink-aead/AES256_GCM");
    assertThat(envelope.getPayloadSchema())
        .isEqualTo("org.referralexchange.events.v1.ClientIdentity");
  }

  @Test
  void sealingTwiceGivesDifferentCiphertexts() {
    EncryptedEnvelope first = cipher.seal(canaryIdentity(), REFERRAL_ID);
    EncryptedEnvelope second = cipher.seal(canaryIdentity(), REFERRAL_ID);

    assertThat(bytes(first.getCiphertext())).isNotEqualTo(bytes(second.getCiphertext()));
  }

  @Test
  void rejectsEnvelopeOpenedWithAnotherReferralId() {
    EncryptedEnvelope envelope = cipher.seal(canaryIdentity(), REFERRAL_ID);

    EnvelopeException e =
        failureOf(() -> cipher.open(envelope, ClientIdentity.class, OTHER_REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.DECRYPTION_FAILED);
    assertThat(e)
        .hasMessageContaining("cannot decrypt org.referralexchange.events.v1.ClientIdentity");
  }

  @Test
  void rejectsCiphertextWithAnyOneByteFlipped() {
    EncryptedEnvelope envelope = cipher.seal(canaryIdentity(), REFERRAL_ID);
    byte[] original = bytes(envelope.getCiphertext());

    for (int i = 0; i < original.length; i++) {
      byte[] tampered = original.clone();
      tampered[i] ^= 0x01;
      EncryptedEnvelope altered = copyWithCiphertext(envelope, tampered);

      EnvelopeException e =
          failureOf(() -> cipher.open(altered, ClientIdentity.class, REFERRAL_ID));
      assertThat(e.failure()).as("byte %d flipped", i).isEqualTo(Failure.DECRYPTION_FAILED);
    }
  }

  @Test
  void rejectsTruncatedCiphertext() {
    EncryptedEnvelope envelope = cipher.seal(canaryIdentity(), REFERRAL_ID);
    byte[] original = bytes(envelope.getCiphertext());
    byte[] truncated = Arrays.copyOf(original, original.length - 1);

    EnvelopeException e =
        failureOf(
            () ->
                cipher.open(
                    copyWithCiphertext(envelope, truncated), ClientIdentity.class, REFERRAL_ID));
    assertThat(e.failure()).isEqualTo(Failure.DECRYPTION_FAILED);
  }

  @Test
  void rejectsOpeningIdentityEnvelopeAsNarrativeNamingBothRecords() {
    EncryptedEnvelope envelope = cipher.seal(canaryIdentity(), REFERRAL_ID);

    EnvelopeException e =
        failureOf(() -> cipher.open(envelope, ReferralNarrative.class, REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.SCHEMA_MISMATCH);
    assertThat(e)
        .hasMessage(
            "envelope holds 'org.referralexchange.events.v1.ClientIdentity' but"
                + " org.referralexchange.events.v1.ReferralNarrative was asked for");
  }

  @Test
  void rejectsPlaintextThatIsNotTheDeclaredRecord() throws Exception {
    // givenName "CANARY-Zebulon", then a negative string length for familyName.
    ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(plaintext, null);
    encoder.writeString(GIVEN_NAME);
    encoder.writeLong(-7);
    encoder.flush();
    EncryptedEnvelope envelope = sealRaw(plaintext.toByteArray(), ClientIdentity.class.getName());

    EnvelopeException e = failureOf(() -> cipher.open(envelope, ClientIdentity.class, REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.UNDECODABLE_PAYLOAD);
    assertThat(e)
        .hasMessageStartingWith(
            "payload is not a valid org.referralexchange.events.v1.ClientIdentity");
    assertThat(e.getCause()).isNull();
  }

  @Test
  void rejectsPlaintextWithBytesAfterTheRecord() {
    byte[] valid = avroBinary(canaryIdentity());
    byte[] withTrailer = Arrays.copyOf(valid, valid.length + 1);
    EncryptedEnvelope envelope = sealRaw(withTrailer, ClientIdentity.class.getName());

    EnvelopeException e = failureOf(() -> cipher.open(envelope, ClientIdentity.class, REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.UNDECODABLE_PAYLOAD);
    assertThat(e)
        .hasMessageContaining("bytes after the org.referralexchange.events.v1.ClientIdentity");
  }

  @Test
  void rejectsRecordMissingARequiredFieldWhenSealing() {
    ClientIdentity incomplete = canaryIdentity();
    incomplete.setGivenName(null);

    EnvelopeException e = failureOf(() -> cipher.seal(incomplete, REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.UNENCODABLE_PAYLOAD);
    assertThat(e)
        .hasMessageStartingWith("cannot encode org.referralexchange.events.v1.ClientIdentity");
  }

  @Test
  void unencodableRecordFailureDoesNotQuoteTheOffendingValue() {
    // Avro quotes a value that is not a symbol of an enum; generated setters cast too early to
    // provoke that, so a minimal hand-written record carries a string where an enum is declared.
    MisfilledRecord misfilled = new MisfilledRecord(PHONE);
    Throwable avroOwn =
        catchThrowableOfType(
            () -> new SpecificDatumWriter<>(MisfilledRecord.SCHEMA).write(misfilled, nullEncoder()),
            RuntimeException.class);
    assertThat(avroOwn).as("Avro's own message quotes the value").hasMessageContaining(PHONE);

    EnvelopeException e = failureOf(() -> cipher.seal(misfilled, REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.UNENCODABLE_PAYLOAD);
    assertThat(e.getMessage()).doesNotContain(PHONE);
    assertThat(e.getCause()).isNull();
  }

  @Test
  void rejectsBlankReferralIdAsAssociatedData() {
    assertThatThrownBy(() -> cipher.seal(canaryIdentity(), " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("referral id");
  }

  @Test
  void envelopeFromAnotherKeysetIsAnUnknownKey() {
    EnvelopeCipher other = EnvelopeCipher.fromKeysetJson(EnvelopeKeys.generateKeysetJson());
    EncryptedEnvelope foreign = other.seal(canaryIdentity(), REFERRAL_ID);

    EnvelopeException e = failureOf(() -> cipher.open(foreign, ClientIdentity.class, REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.UNKNOWN_KEY);
    assertThat(e)
        .hasMessageContaining(foreign.getKeyId())
        .hasMessageContaining(cipher.primaryKeyId());
  }

  @Test
  void envelopeSealedBeforeRotationStillOpensAfterIt() {
    EncryptedEnvelope beforeRotation = cipher.seal(canaryIdentity(), REFERRAL_ID);

    EnvelopeCipher rotated =
        EnvelopeCipher.fromKeysetJson(EnvelopeKeys.rotateKeysetJson(keysetJson));

    assertThat(rotated.open(beforeRotation, ClientIdentity.class, REFERRAL_ID))
        .isEqualTo(canaryIdentity());
  }

  @Test
  void sealsWithTheNewKeyAfterRotation() {
    EncryptedEnvelope beforeRotation = cipher.seal(canaryIdentity(), REFERRAL_ID);
    EnvelopeCipher rotated =
        EnvelopeCipher.fromKeysetJson(EnvelopeKeys.rotateKeysetJson(keysetJson));

    EncryptedEnvelope afterRotation = rotated.seal(canaryIdentity(), REFERRAL_ID);

    assertThat(afterRotation.getKeyId())
        .isNotEqualTo(beforeRotation.getKeyId())
        .isEqualTo(rotated.primaryKeyId());
    assertThat(rotated.open(afterRotation, ClientIdentity.class, REFERRAL_ID))
        .isEqualTo(canaryIdentity());
  }

  @Test
  void cipherWithOnlyTheNewKeyCannotOpenAnEnvelopeSealedWithTheOldOne() throws Exception {
    EncryptedEnvelope beforeRotation = cipher.seal(canaryIdentity(), REFERRAL_ID);
    EnvelopeCipher newKeyOnly = onlyPrimaryKeyOf(EnvelopeKeys.rotateKeysetJson(keysetJson));

    EnvelopeException e =
        failureOf(() -> newKeyOnly.open(beforeRotation, ClientIdentity.class, REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.UNKNOWN_KEY);
    assertThat(e).hasMessageContaining(beforeRotation.getKeyId());
  }

  @Test
  void relabellingAnOldEnvelopeWithTheNewKeyIdDoesNotOpenIt() throws Exception {
    // The keyId field is a label; Tink picks the key from the ciphertext's own prefix.
    EncryptedEnvelope beforeRotation = cipher.seal(canaryIdentity(), REFERRAL_ID);
    EnvelopeCipher newKeyOnly = onlyPrimaryKeyOf(EnvelopeKeys.rotateKeysetJson(keysetJson));
    EncryptedEnvelope relabelled =
        EncryptedEnvelope.newBuilder(beforeRotation).setKeyId(newKeyOnly.primaryKeyId()).build();

    EnvelopeException e =
        failureOf(() -> newKeyOnly.open(relabelled, ClientIdentity.class, REFERRAL_ID));

    assertThat(e.failure()).isEqualTo(Failure.DECRYPTION_FAILED);
  }

  @Test
  void failureMessagesContainNoCanaryValue() {
    EncryptedEnvelope envelope = cipher.seal(canaryIdentity(), REFERRAL_ID);
    byte[] tampered = bytes(envelope.getCiphertext());
    tampered[tampered.length / 2] ^= 0x40;
    ClientIdentity incomplete = canaryIdentity();
    incomplete.setFamilyName(null);
    EncryptedEnvelope undecodable =
        sealRaw(GIVEN_NAME.getBytes(UTF_8), ClientIdentity.class.getName());
    EnvelopeCipher stranger = EnvelopeCipher.fromKeysetJson(EnvelopeKeys.generateKeysetJson());

    List<EnvelopeException> failures =
        List.of(
            failureOf(() -> cipher.open(envelope, ClientIdentity.class, OTHER_REFERRAL_ID)),
            failureOf(
                () ->
                    cipher.open(
                        copyWithCiphertext(envelope, tampered), ClientIdentity.class, REFERRAL_ID)),
            failureOf(() -> cipher.open(envelope, ReferralNarrative.class, REFERRAL_ID)),
            failureOf(() -> stranger.open(envelope, ClientIdentity.class, REFERRAL_ID)),
            failureOf(() -> cipher.open(undecodable, ClientIdentity.class, REFERRAL_ID)),
            failureOf(() -> cipher.seal(incomplete, REFERRAL_ID)));

    assertThat(failures)
        .extracting(EnvelopeException::failure)
        .containsExactly(
            Failure.DECRYPTION_FAILED,
            Failure.DECRYPTION_FAILED,
            Failure.SCHEMA_MISMATCH,
            Failure.UNKNOWN_KEY,
            Failure.UNDECODABLE_PAYLOAD,
            Failure.UNENCODABLE_PAYLOAD);
    for (EnvelopeException failure : failures) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        for (String canary : CANARIES) {
          assertThat(String.valueOf(t.getMessage())).doesNotContain(canary);
        }
      }
    }
  }

  @Test
  void rejectsMalformedKeysetWithoutQuotingIt() {
    String truncated = keysetJson.substring(0, keysetJson.length() / 2);

    EnvelopeException e = failureOf(() -> EnvelopeCipher.fromKeysetJson(truncated));

    assertThat(e.failure()).isEqualTo(Failure.INVALID_KEYSET);
    assertThat(e.getMessage()).doesNotContain(truncated.substring(truncated.length() - 20));
    assertThat(e.getCause()).isNull();
  }

  @Test
  void toStringNamesKeysNotKeyMaterial() {
    assertThat(cipher.toString())
        .contains(cipher.primaryKeyId())
        .doesNotContain(keyValueOf(keysetJson));
  }

  @Test
  void oneInstanceSealsAndOpensConcurrently() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int task = 0; task < 8; task++) {
        String referralId = "referral-" + task;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    ClientIdentity identity = canaryIdentity();
                    identity.setFamilyName(referralId + "-" + i);
                    EncryptedEnvelope sealed = cipher.seal(identity, referralId);
                    if (!cipher.open(sealed, ClientIdentity.class, referralId).equals(identity)) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static ClientIdentity canaryIdentity() {
    return ClientIdentity.newBuilder()
        .setGivenName(GIVEN_NAME)
        .setFamilyName(FAMILY_NAME)
        .setBirthDate(LocalDate.of(1984, 2, 29))
        .setPhone(PHONE)
        .setAddress(
            Address.newBuilder()
                .setLines(List.of(ADDRESS_LINE))
                .setCity("Springfield")
                .setPostalCode("97475")
                .setCountry("US")
                .build())
        .setIdentifiers(
            List.of(
                Identifier.newBuilder().setSystem("urn:example:mrn").setValue(IDENTIFIER).build()))
        .setPreferredLanguage("en-US")
        .build();
  }

  private static EnvelopeException failureOf(Runnable action) {
    EnvelopeException e = catchThrowableOfType(action::run, EnvelopeException.class);
    assertThat(e).as("expected an EnvelopeException").isNotNull();
    return e;
  }

  /** An envelope around arbitrary plaintext, encrypted with the test keyset's primary key. */
  private EncryptedEnvelope sealRaw(byte[] plaintext, String payloadSchema) {
    try {
      Aead aead =
          EnvelopeKeys.parse(keysetJson).getPrimitive(RegistryConfiguration.get(), Aead.class);
      return EncryptedEnvelope.newBuilder()
          .setKeyId(cipher.primaryKeyId())
          .setAlgorithm("tink-aead/AES256_GCM")
          .setPayloadSchema(payloadSchema)
          .setCiphertext(ByteBuffer.wrap(aead.encrypt(plaintext, REFERRAL_ID.getBytes(UTF_8))))
          .build();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static EnvelopeCipher onlyPrimaryKeyOf(String keysetJson) throws Exception {
    KeysetHandle.Builder builder = KeysetHandle.newBuilder(EnvelopeKeys.parse(keysetJson));
    for (int i = builder.size() - 1; i >= 0; i--) {
      if (!builder.getAt(i).isPrimary()) {
        builder.deleteAt(i);
      }
    }
    KeysetHandle newKeyOnly = builder.build();
    assertThat(newKeyOnly.size()).isEqualTo(1);
    return EnvelopeCipher.fromKeysetHandle(newKeyOnly);
  }

  private static EncryptedEnvelope copyWithCiphertext(EncryptedEnvelope envelope, byte[] bytes) {
    return EncryptedEnvelope.newBuilder(envelope).setCiphertext(ByteBuffer.wrap(bytes)).build();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  private static byte[] avroBinary(ClientIdentity identity) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new SpecificDatumWriter<>(ClientIdentity.class).write(identity, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String keyValueOf(String keysetJson) {
    Matcher m = Pattern.compile("\"value\"\\s*:\\s*\"([^\"]+)\"").matcher(keysetJson);
    assertThat(m.find()).as("keyset JSON has a key value").isTrue();
    return m.group(1);
  }

  private static BinaryEncoder nullEncoder() {
    return EncoderFactory.get().binaryEncoder(OutputStream.nullOutputStream(), null);
  }

  /** A record whose only field is declared as an enum but may hold anything. */
  static final class MisfilledRecord extends SpecificRecordBase {
    static final Schema SCHEMA =
        SchemaBuilder.record("MisfilledRecord")
            .namespace("org.referralexchange.envelope")
            .fields()
            .name("kind")
            .type()
            .enumeration("Kind")
            .symbols("FIRST", "SECOND")
            .noDefault()
            .endRecord();

    private Object kind;

    MisfilledRecord(Object kind) {
      this.kind = kind;
    }

    @Override
    public Schema getSchema() {
      return SCHEMA;
    }

    @Override
    public Object get(int field) {
      return kind;
    }

    @Override
    public void put(int field, Object value) {
      kind = value;
    }
  }
}
