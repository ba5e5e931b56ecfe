package org.referralexchange.serde;

import java.nio.ByteBuffer;

/**
 * Confluent's framing of an Avro record on Kafka: magic byte {@code 0}, the schema's global id as a
 * 4-byte big-endian integer, then the Avro binary encoding of the value.
 */
public final class WireFormat {

  /** The only framing version there is. */
  public static final byte MAGIC_BYTE = 0;

  /** Bytes before the Avro payload. */
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /**
   * Reads the schema id from a framed record.
   *
   * @throws AvroSerdeException.MalformedPayload when the bytes are too short or the magic byte is
   *     wrong
   */
  public static int schemaId(byte[] framed) {
    if (framed.length < HEADER_SIZE) {
      throw new AvroSerdeException.MalformedPayload(
          "Record of "
              + framed.length
              + " bytes is too short for the Confluent wire format (magic byte and 4-byte schema"
              + " id)",
          null);
    }
    if (framed[0] != MAGIC_BYTE) {
      throw new AvroSerdeException.MalformedPayload(
          String.format(
              "Unknown magic byte 0x%02x: not a Confluent-framed Avro record (expected 0x00)",
              framed[0]),
          null);
    }
    return ByteBuffer.wrap(framed, 1, 4).getInt();
  }

  /** Writes the header for {@code schemaId} into {@code target}. */
  static void writeHeader(int schemaId, byte[] target) {
    target[0] = MAGIC_BYTE;
    target[1] = (byte) (schemaId >>> 24);
    target[2] = (byte) (schemaId >>> 16);
    target[3] = (byte) (schemaId >>> 8);
    target[4] = (byte) schemaId;
  }
}
