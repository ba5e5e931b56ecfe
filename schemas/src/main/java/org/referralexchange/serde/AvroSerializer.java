package org.referralexchange.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes specific and generic Avro records in Confluent's wire format, registering or looking up
 * the schema under {@code <topic>-value} (or {@code <topic>-key}) as Confluent's {@code
 * KafkaAvroSerializer} does. The schema id is resolved once per topic and schema, so the hot path
 * is a map lookup and the Avro encoding.
 *
 * @param <T> the record type: a generated {@link SpecificRecord}, a {@code GenericRecord}, or any
 *     other {@link GenericContainer}
 */
public class AvroSerializer<T> implements Serializer<T> {

  /** A thread keeps its buffer for the next record unless one record made it larger than this. */
  private static final int MAX_RETAINED_BUFFER = 1 << 20;

  private final Map<Target.Key, Target> targets = new ConcurrentHashMap<>();

  /** The last target used: most serializers write one record type to one topic. */
  private volatile Target last;

  private final ThreadLocal<Buffer> buffers = ThreadLocal.withInitial(Buffer::new);
  private SchemaRegistryClient client;
  private SerdeConfig config;
  private boolean isKey;

  /** For Kafka's reflective construction; {@link #configure} must follow. */
  public AvroSerializer() {}

  /** Shares a registry client (and its caches) with other serializers. */
  public AvroSerializer(SchemaRegistryClient client) {
    this.client = client;
    this.config = client.config();
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.isKey = isKey;
    this.config = SerdeConfig.from(configs);
    if (client == null) {
      client = new SchemaRegistryClient(config);
    }
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    if (!(data instanceof GenericContainer container)) {
      throw new SerializationException(
          "Cannot serialize "
              + data.getClass().getName()
              + " to "
              + topic
              + ": not an Avro record");
    }
    Target target = target(topic, container.getSchema());
    Buffer buffer = buffers.get();
    buffer.reset();
    try {
      target.writer().write(data, buffer.encoder);
      buffer.encoder.flush();
    } catch (IOException | AvroRuntimeException | ClassCastException | NullPointerException e) {
      buffers.remove();
      throw new SerializationException(
          "Cannot serialize "
              + container.getSchema().getFullName()
              + " to "
              + topic
              + " with schema id "
              + target.id()
              + ": "
              + e.getMessage(),
          e);
    }
    byte[] framed = buffer.toFramed();
    WireFormat.writeHeader(target.id(), framed);
    if (buffer.capacity() > MAX_RETAINED_BUFFER) {
      buffers.remove();
    }
    return framed;
  }

  private Target target(String topic, Schema schema) {
    if (config == null) {
      throw new IllegalStateException("AvroSerializer used before configure()");
    }
    Target recent = last;
    if (recent != null && recent.schema() == schema && recent.topic().equals(topic)) {
      return recent;
    }
    Target.Key key = new Target.Key(topic, schema);
    Target known = targets.get(key);
    Target target =
        known != null ? known : targets.computeIfAbsent(key, k -> resolve(topic, schema));
    last = target;
    return target;
  }

  private Target resolve(String topic, Schema schema) {
    String subject = topic + (isKey ? "-key" : "-value");
    if (config.useLatestVersion()) {
      RegisteredSchema latest = client.latest(subject);
      requireWritable(subject, latest.schema(), schema);
      return new Target(topic, schema, latest.id(), writerFor(latest.schema(), schema));
    }
    int id =
        config.autoRegisterSchemas()
            ? client.register(subject, schema)
            : client.lookup(subject, schema);
    return new Target(topic, schema, id, writerFor(schema, schema));
  }

  private static void requireWritable(String subject, Schema latest, Schema recordSchema) {
    boolean writable =
        latest.getType() == Schema.Type.UNION
            ? latest.getTypes().stream().anyMatch(b -> sameName(b, recordSchema))
            : sameName(latest, recordSchema);
    if (!writable) {
      throw new AvroSerdeException.RegistryRefused(
          "The latest schema of "
              + subject
              + " cannot hold a "
              + recordSchema.getFullName()
              + " (use.latest.version=true)",
          409,
          409);
    }
  }

  private static boolean sameName(Schema a, Schema b) {
    return a.getType() == b.getType() && a.getFullName().equals(b.getFullName());
  }

  @SuppressWarnings("unchecked")
  private static DatumWriter<Object> writerFor(Schema writerSchema, Schema recordSchema) {
    Class<?> generated = SpecificData.get().getClass(recordSchema);
    if (generated != null && SpecificRecord.class.isAssignableFrom(generated)) {
      return new SpecificDatumWriter<>(writerSchema, SpecificData.getForClass(generated));
    }
    return new GenericDatumWriter<>(writerSchema);
  }

  /**
   * Where a topic's records of one schema go: the id to frame them with and the writer.
   *
   * @param schema the record's own schema, compared by identity on the fast path
   */
  private record Target(String topic, Schema schema, int id, DatumWriter<Object> writer) {
    record Key(String topic, Schema schema) {}
  }

  /** A per-thread output buffer that leaves room for the header. */
  private static final class Buffer extends ByteArrayOutputStream {
    /** Reused across records; replaced after a failed write so no half record leaks forward. */
    BinaryEncoder encoder;

    Buffer() {
      super(1024);
      encoder = EncoderFactory.get().binaryEncoder(this, null);
    }

    @Override
    public synchronized void reset() {
      super.reset();
      count = WireFormat.HEADER_SIZE;
    }

    int capacity() {
      return buf.length;
    }

    byte[] toFramed() {
      return Arrays.copyOf(buf, count);
    }
  }
}
