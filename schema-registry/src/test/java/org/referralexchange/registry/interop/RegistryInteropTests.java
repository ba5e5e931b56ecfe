package org.referralexchange.registry.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.schemas.Topics;
import org.referralexchange.schemas.samples.SampleEvents;
import org.referralexchange.serde.AvroDeserializer;
import org.referralexchange.serde.AvroSerializer;
import org.referralexchange.serde.SerdeConfig;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

/**
 * Interoperability with a client nobody here wrote: Confluent's official JavaScript Schema Registry
 * client ({@code @confluentinc/schemaregistry}, from npm) registers and fetches schemas against the
 * stand-in, decodes records our Java serializer wrote, and writes them back in bytes our
 * deserializer reads. Needs Node.js and npm; installs the client with {@code npm ci}.
 */
@EmbeddedKafka(partitions = 1)
class RegistryInteropTests {

  private static final Path SOURCES = Path.of("src/test/js");
  private static final Path WORK = Path.of("target/js-interop");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static StandInRegistry registry;
  private static Map<String, Object> serdeConfig;

  @BeforeAll
  static void start(EmbeddedKafkaBroker broker) throws Exception {
    installJavaScriptClient();
    registry = StandInRegistry.start(broker.getBrokersAsString());
    serdeConfig =
        Map.of(
            SerdeConfig.SCHEMA_REGISTRY_URL,
            registry.url(),
            SerdeConfig.SPECIFIC_AVRO_READER,
            true);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void confluentJavaScriptClientRegistersAndFetchesSchemas() throws Exception {
    String topic = Topics.REFERRAL_SUBMITTED.name();
    byte[] written = serializer().serialize(topic, SampleEvents.referralSubmitted("ref-js-0"));

    JsonNode registered = runClient(topic, written).path("registered");

    assertThat(registered.path("firstId").asInt()).isPositive();
    assertThat(registered.path("secondId").asInt()).isEqualTo(registered.path("firstId").asInt());
    assertThat(registered.path("latestId").asInt()).isEqualTo(registered.path("firstId").asInt());
    assertThat(registered.path("latestVersion").asInt()).isEqualTo(1);
    Schema fetched = new Schema.Parser().parse(registered.path("fetchedSchema").asText());
    assertThat(fetched.getFullName()).isEqualTo("org.referralexchange.interop.InteropProbe");
    assertThat(registered.path("subjects").toString())
        .contains("js-interop-value")
        .contains(topic + "-value");
  }

  @Test
  void confluentJavaScriptClientDecodesWhatJavaWroteAndJavaReadsItBack() throws Exception {
    String topic = Topics.REFERRAL_SUBMITTED.name();
    ReferralSubmitted sent = SampleEvents.referralSubmitted("ref-js-1");
    byte[] written = serializer().serialize(topic, sent);

    JsonNode decoded = runClient(topic, written).path("decoded").get(0);

    JsonNode value = decoded.path("value");
    assertThat(value.path("referralId").asText()).isEqualTo("ref-js-1");
    assertThat(value.path("target").path("providerId").asText()).isEqualTo("northside-food-bank");
    assertThat(value.path("priority").asText()).isEqualTo("URGENT");
    assertThat(value.path("needs").get(0).path("code").asText()).isEqualTo("food-insecurity");
    assertThat(value.path("eventId").asText()).isEqualTo(sent.getEventId().toString());
    byte[] reencoded = HexFormat.of().parseHex(decoded.path("reencoded").asText());
    assertThat(reencoded).isEqualTo(written);
    assertThat(deserializer().deserialize(topic, reencoded)).isEqualTo(sent);
  }

  @Test
  void decimalCostAndOptionalRecordsSurviveTheRoundTrip() throws Exception {
    String topic = Topics.REFERRAL_STATUS_CHANGED.name();
    ReferralStatusChanged sent = SampleEvents.completed("ref-js-2");
    byte[] written = serializer().serialize(topic, sent);

    JsonNode decoded = runClient(topic, written).path("decoded").get(0);

    assertThat(decoded.path("value").path("status").asText()).isEqualTo("COMPLETED");
    assertThat(decoded.path("value").path("outcome").path("cost").path("currency").asText())
        .isEqualTo("USD");
    byte[] reencoded = HexFormat.of().parseHex(decoded.path("reencoded").asText());
    assertThat(deserializer().deserialize(topic, reencoded)).isEqualTo(sent);
  }

  private static AvroSerializer<Object> serializer() {
    AvroSerializer<Object> serializer = new AvroSerializer<>();
    serializer.configure(serdeConfig, false);
    return serializer;
  }

  private static AvroDeserializer<Object> deserializer() {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
    deserializer.configure(serdeConfig, false);
    return deserializer;
  }

  private static JsonNode runClient(String topic, byte[]... records) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", "interop.cjs", registry.url(), topic));
    for (byte[] record : records) {
      command.add(HexFormat.of().formatHex(record));
    }
    Result result = run(command, 60);
    assertThat(result.exitCode()).as("node interop.cjs failed: " + result.stderr()).isZero();
    return JSON.readTree(result.stdout());
  }

  private static void installJavaScriptClient() throws Exception {
    Files.createDirectories(WORK);
    for (String file : List.of("package.json", "package-lock.json", "interop.cjs")) {
      Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    if (Files.isDirectory(WORK.resolve("node_modules/@confluentinc/schemaregistry"))) {
      return;
    }
    Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), 300);
    if (install.exitCode() != 0) {
      throw new IllegalStateException(
          "npm ci of the JavaScript registry client failed (Node.js 20 and npm are required):\n"
              + install.stderr());
    }
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  private static Result run(List<String> command, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("interop", ".out");
    Path err = Files.createTempFile("interop", ".err");
    Process process =
        new ProcessBuilder(command)
            .directory(WORK.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(command + " did not finish in " + timeoutSeconds + " s");
    }
    return new Result(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
