package org.referralexchange.envelope;

/**
 * Sealing or opening an {@code EncryptedEnvelope} failed.
 *
 * <p>The message names the failure, the record type and key ids only: never plaintext, associated
 * data or key material, so it is safe to log and to put in a dead-letter header. For the same
 * reason causes from Avro (whose messages may quote field values) are not attached. None of these
 * failures heals on retry: a consumer should treat them as not retryable.
 */
public final class EnvelopeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What went wrong, for callers that route failures (dead-letter, alert) without parsing text. */
  public enum Failure {
    /** The keyset could not be read or holds no usable AEAD key. */
    INVALID_KEYSET,
    /** The envelope names a key that this keyset does not hold (rotated out, or another keyset). */
    UNKNOWN_KEY,
    /** The envelope declares a payload record other than the one asked for. */
    SCHEMA_MISMATCH,
    /**
     * Authentication failed: wrong associated data (the envelope belongs to another referral),
     * altered ciphertext, or no key in the keyset matches. AEAD deliberately cannot tell which.
     */
    DECRYPTION_FAILED,
    /** Decryption succeeded but the plaintext is not a valid Avro record of the declared type. */
    UNDECODABLE_PAYLOAD,
    /** The record could not be Avro-encoded (for example a required field is null). */
    UNENCODABLE_PAYLOAD,
    /** The AEAD primitive refused to encrypt. */
    ENCRYPTION_FAILED
  }

  private final Failure failure;

  EnvelopeException(Failure failure, String message) {
    super(message);
    this.failure = failure;
  }

  EnvelopeException(Failure failure, String message, Throwable cause) {
    super(message, cause);
    this.failure = failure;
  }

  /** The kind of failure. */
  public Failure failure() {
    return failure;
  }
}
