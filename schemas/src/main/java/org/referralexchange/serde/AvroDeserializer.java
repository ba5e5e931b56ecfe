package org.referralexchange.serde;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads records in Confluent's wire format: checks the magic byte, fetches the writer's schema by
 * the id in the header (cached for good), and decodes the Avro payload into a generated class
 * ({@code specific.avro.reader=true}) or a {@code GenericRecord}. Every failure is an {@link
 * AvroSerdeException} naming what was wrong, never a bare runtime exception.
 *
 * @param <T> the type read: a generated class, a union of them, or {@code GenericRecord}
 */
public class AvroDeserializer<T> implements Deserializer<T> {

  private final Map<Integer, DatumReader<Object>> readers = new ConcurrentHashMap<>();
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();
  private SchemaRegistryClient client;
  private SerdeConfig config;

  /** For Kafka's reflective construction; {@link #configure} must follow. */
  public AvroDeserializer() {}

  /** Shares a registry client (and its caches) with other deserializers. */
  public AvroDeserializer(SchemaRegistryClient client) {
    this.client = client;
    this.config = client.config();
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.config = SerdeConfig.from(configs);
    if (client == null) {
      client = new SchemaRegistryClient(config);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    int schemaId = WireFormat.schemaId(data);
    DatumReader<Object> reader = readers.get(schemaId);
    if (reader == null) {
      reader = readers.computeIfAbsent(schemaId, this::readerFor);
    }
    BinaryDecoder decoder =
        DecoderFactory.get()
            .binaryDecoder(
                data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, decoders.get());
    decoders.set(decoder);
    try {
      return (T) reader.read(null, decoder);
    } catch (IOException
        | AvroRuntimeException
        | IndexOutOfBoundsException
        | ClassCastException
        | NegativeArraySizeException e) {
      throw new AvroSerdeException.MalformedPayload(
          "Payload of "
              + (data.length - WireFormat.HEADER_SIZE)
              + " bytes from "
              + topic
              + " does not decode with schema id "
              + schemaId
              + " (truncated or corrupt): "
              + e.getClass().getSimpleName(),
          e);
    }
  }

  private DatumReader<Object> readerFor(int schemaId) {
    if (config == null) {
      throw new IllegalStateException("AvroDeserializer used before configure()");
    }
    Schema writer = client.byId(schemaId);
    if (!config.specificAvroReader()) {
      return new GenericDatumReader<>(writer);
    }
    Schema reader = specificReaderSchema(writer);
    return new SpecificDatumReader<>(writer, reader, SpecificData.getForSchema(reader));
  }

  /**
   * The generated class's schema for a record; for a union, the union of the generated classes'
   * schemas branch by branch, so an older writer schema still resolves against today's classes.
   */
  private static Schema specificReaderSchema(Schema writer) {
    if (writer.getType() == Schema.Type.UNION) {
      List<Schema> branches = new ArrayList<>();
      for (Schema branch : writer.getTypes()) {
        branches.add(branch.getType() == Schema.Type.RECORD ? generatedSchema(branch) : branch);
      }
      return Schema.createUnion(branches);
    }
    if (writer.getType() != Schema.Type.RECORD) {
      return writer;
    }
    return generatedSchema(writer);
  }

  private static Schema generatedSchema(Schema writer) {
    Class<?> generated;
    try {
      generated = SpecificData.get().getClass(writer);
    } catch (SecurityException untrusted) {
      throw new AvroSerdeException.NoReaderClass(
          "Class for "
              + writer.getFullName()
              + " is not trusted: add its package to org.apache.avro.SERIALIZABLE_PACKAGES",
          untrusted);
    }
    if (generated == null || !SpecificRecord.class.isAssignableFrom(generated)) {
      throw new AvroSerdeException.NoReaderClass(
          "No generated class for "
              + writer.getFullName()
              + " on the classpath (specific.avro.reader=true)",
          null);
    }
    return SpecificData.get().getSchema(generated);
  }
}
