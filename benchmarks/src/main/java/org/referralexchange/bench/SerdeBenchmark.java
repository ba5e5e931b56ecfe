package org.referralexchange.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.serde.WireFormat;

/**
 * Our Confluent-framed serializer and deserializer against Avro used directly, on a realistic
 * {@link ReferralSubmitted}. The plain baseline is what a careful user writes: one datum writer and
 * reader, an encoder and decoder reused across records, and a fresh output array per record, as a
 * Kafka serializer must return. The exchange's serde has its schema id cached before measurement
 * starts; the stub registry's request count proves that the measured loop never calls it.
 *
 * <p>Run and read as BENCHMARKS.md says; compare the {@code exchange*} scores only to the {@code
 * plain*} ones from the same run.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.referralexchange.events.v1",
      "-Xms1g",
      "-Xmx1g"
    })
@State(Scope.Thread)
public class SerdeBenchmark {

  private static final String TOPIC = Topics.REFERRAL_SUBMITTED.name();

  private ReferralSubmitted event;

  private SpecificDatumWriter<ReferralSubmitted> plainWriter;
  private SpecificDatumReader<ReferralSubmitted> plainReader;
  private ByteArrayOutputStream plainOut;
  private BinaryEncoder plainEncoder;
  private BinaryDecoder plainDecoder;
  private byte[] plainBytes;

  private StubSchemaRegistry registry;
  private int registryRequestsAtSetup;
  private AvroSerializer<ReferralSubmitted> serializer;
  private AvroDeserializer<ReferralSubmitted> deserializer;
  private byte[] framedBytes;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    event = SampleEvents.referralSubmitted("ref-2026-000042");

    plainWriter = new SpecificDatumWriter<>(ReferralSubmitted.class);
    plainReader = new SpecificDatumReader<>(ReferralSubmitted.class);
    plainOut = new ByteArrayOutputStream(1024);
    plainEncoder = EncoderFactory.get().binaryEncoder(plainOut, null);
    plainBytes = plainSerialize();

    registry = StubSchemaRegistry.start(ReferralSubmitted.getClassSchema());
    Map<String, String> config =
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL,
            registry.url(),
            SerdeConfig.SPECIFIC_AVRO_READER,
            "true");
    serializer = new AvroSerializer<>();
    serializer.configure(config, false);
    deserializer = new AvroDeserializer<>();
    deserializer.configure(config, false);
    // Warm both: the serializer registers the schema, the deserializer fetches it by id.
    framedBytes = exchangeSerialize();
    ReferralSubmitted roundTripped = exchangeDeserialize();
    registryRequestsAtSetup = registry.requests();

    // Both sides must do the same work, or the ratio means nothing.
    require(registryRequestsAtSetup == 2, "registry requests at setup: " + registryRequestsAtSetup);
    require(
        Arrays.equals(
            plainBytes,
            Arrays.copyOfRange(framedBytes, WireFormat.HEADER_SIZE, framedBytes.length)),
        "exchange payload differs from the plain encoding");
    require(WireFormat.schemaId(framedBytes) == 1, "schema id in the header is not 1");
    require(event.equals(roundTripped), "exchange round trip changed the event");
    require(event.equals(plainDeserialize()), "plain round trip changed the event");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    try {
      require(
          registry.requests() == registryRequestsAtSetup,
          "the measured loop called the schema registry: "
              + (registry.requests() - registryRequestsAtSetup)
              + " requests after setup");
    } finally {
      serializer.close();
      deserializer.close();
      registry.close();
    }
  }

  @Benchmark
  public byte[] plainSerialize() throws IOException {
    plainOut.reset();
    plainWriter.write(event, plainEncoder);
    plainEncoder.flush();
    return plainOut.toByteArray();
  }

  @Benchmark
  public byte[] exchangeSerialize() {
    return serializer.serialize(TOPIC, event);
  }

  @Benchmark
  public ReferralSubmitted plainDeserialize() throws IOException {
    plainDecoder = DecoderFactory.get().binaryDecoder(plainBytes, plainDecoder);
    return plainReader.read(null, plainDecoder);
  }

  @Benchmark
  public ReferralSubmitted exchangeDeserialize() {
    return deserializer.deserialize(TOPIC, framedBytes);
  }

  private static void require(boolean condition, String failure) {
    if (!condition) {
      throw new IllegalStateException(failure);
    }
  }
}
