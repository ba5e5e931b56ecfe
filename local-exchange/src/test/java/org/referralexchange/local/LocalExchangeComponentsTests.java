package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's real component list, started once: the broker as a child process, then the schema
 * registry in this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalExchangeComponentsTests {

  @TempDir static Path dataDir;

  private LocalExchange exchange;
  private KafkaBrokerComponent kafka;
  private SchemaRegistryComponent registry;

  @BeforeAll
  void startExchange() throws Exception {
    List<LocalComponent> components =
        LocalExchange.components(
            new LocalSettings(
                dataDir,
                LocalSettings.kafkaLibsBesideLauncher(),
                FreePorts.next(),
                FreePorts.next(),
                Duration.ofSeconds(60),
                0,
                OptionalLong.empty()));
    kafka = (KafkaBrokerComponent) components.get(0);
    registry = (SchemaRegistryComponent) components.get(1);
    exchange = new LocalExchange(components);
    exchange.start();
  }

  @AfterAll
  void stopExchange() {
    if (exchange != null) {
      exchange.stop();
    }
  }

  @Test
  void schemaRegistryAnswersGetSubjects() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/subjects"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body().strip()).startsWith("[").endsWith("]");
  }

  @Test
  void printsTheKafkaBootstrapAndTheRegistryUrl() {
    assertThat(exchange.addresses())
        .contains("Kafka bootstrap", kafka.bootstrapServers())
        .contains("Schema registry", registry.url())
        .contains(kafka.logFile().toString());
  }

  @Test
  void brokerRunsAsAChildProcessOfTheLauncher() {
    ProcessHandle broker = kafka.process().orElseThrow();

    assertThat(broker.isAlive()).isTrue();
    assertThat(broker.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
  }
}
