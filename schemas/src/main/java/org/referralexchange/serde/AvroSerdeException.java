package org.referralexchange.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Why a record could not be serialized or deserialized. Each subclass is one kind of failure, so an
 * error handler can tell bad bytes (dead-letter them) from an unreachable registry (wait and
 * retry). As a {@link SerializationException}, Spring Kafka's {@code ErrorHandlingDeserializer}
 * turns it into a dead-letter record instead of a crash loop.
 */
public abstract sealed class AvroSerdeException extends SerializationException
    permits AvroSerdeException.MalformedPayload,
        AvroSerdeException.UnknownSchemaId,
        AvroSerdeException.RegistryRefused,
        AvroSerdeException.RegistryUnavailable,
        AvroSerdeException.NoReaderClass {

  AvroSerdeException(String message, Throwable cause) {
    super(message, cause);
  }

  /** True when the same call may succeed later (the registry was unreachable). */
  public boolean isTransient() {
    return false;
  }

  /** The bytes are not a Confluent-framed Avro record: wrong magic byte, too short, truncated. */
  public static final class MalformedPayload extends AvroSerdeException {
    public MalformedPayload(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The schema id in the record's header is not known to the registry. */
  public static final class UnknownSchemaId extends AvroSerdeException {
    private final int schemaId;

    public UnknownSchemaId(int schemaId, Throwable cause) {
      super("Unknown schema id " + schemaId + ": the registry has no schema with this id", cause);
      this.schemaId = schemaId;
    }

    public int schemaId() {
      return schemaId;
    }
  }

  /** The registry answered and said no (incompatible schema, invalid schema, unauthorized). */
  public static final class RegistryRefused extends AvroSerdeException {
    private final int status;
    private final int errorCode;

    public RegistryRefused(String message, int status, int errorCode) {
      super(message, null);
      this.status = status;
      this.errorCode = errorCode;
    }

    /** HTTP status of the registry's answer. */
    public int status() {
      return status;
    }

    /** Confluent's {@code error_code}, e.g. 40401, 409, 42201. */
    public int errorCode() {
      return errorCode;
    }
  }

  /** No registry URL answered; cached schemas keep working, new ones cannot be had. */
  public static final class RegistryUnavailable extends AvroSerdeException {
    public RegistryUnavailable(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public boolean isTransient() {
      return true;
    }
  }

  /** Specific reading was asked for but no generated class matches the writer's schema. */
  public static final class NoReaderClass extends AvroSerdeException {
    public NoReaderClass(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
