package org.referralexchange.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.referralexchange.registry.SchemaRegistryApplication;
import org.referralexchange.schemas.Topics;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Start-up registration against the stand-in registry: a schema the registry refuses is a start-up
 * failure naming the subject and the registry's reason; a registry that is merely down is waited
 * for (readiness stays down, nothing thrown).
 */
class SchemaRegistrationTests {

  private static final ExchangeKafkaProperties REGISTERING =
      new ExchangeKafkaProperties(null, true, false);

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static SchemaRegistryClient client(int port) {
    return new SchemaRegistryClient(
        SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + port)));
  }

  /** A record of the same name with none of our fields: ours cannot read what it wrote. */
  private static Schema olderIncompatible(Schema ours) {
    Schema record = ours.getType() == Schema.Type.UNION ? ours.getTypes().get(0) : ours;
    return SchemaBuilder.record(record.getName())
        .namespace(record.getNamespace())
        .fields()
        .requiredString("legacyOnly")
        .endRecord();
  }

  @Test
  void aSchemaTheRegistryRefusesFailsStartUpNamingTheSubjectAndTheIncompatibility()
      throws Exception {
    int port = freePort();
    // Its own store topic, so the refused subject never reaches the registry other tests share.
    try (ConfigurableApplicationContext registry =
        SchemaRegistryApplication.builder()
            .run(
                "--server.port=" + port,
                "--server.address=127.0.0.1",
                "--registry.kafka.bootstrap-servers=" + ExchangeInfrastructure.bootstrapServers(),
                "--registry.kafka.topic=_schemas-refusal-" + UUID.randomUUID(),
                "--spring.main.banner-mode=off")) {
      String subject = Topics.REFERRAL_SUBMITTED.valueSubject();
      HttpResponse<String> level =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/config/" + subject))
                      .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                      .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(level.statusCode()).as(level.body()).isEqualTo(200);
      client(port).register(subject, olderIncompatible(Topics.REFERRAL_SUBMITTED.valueSchema()));

      SchemaRegistration registration = new SchemaRegistration(client(port), REGISTERING);

      assertThatThrownBy(registration::afterSingletonsInstantiated)
          .isInstanceOf(SchemaRegistrationRefusedException.class)
          .hasMessageContaining("subject " + subject)
          .hasMessageContaining("incompatible")
          .hasMessageContaining("409")
          .satisfies(
              e ->
                  assertThat(((SchemaRegistrationRefusedException) e).subject())
                      .isEqualTo(subject));
    }
  }

  @Test
  void aRegistryThatIsDownIsWaitedForNotAFailure() throws Exception {
    SchemaRegistration registration = new SchemaRegistration(client(freePort()), REGISTERING);

    registration.afterSingletonsInstantiated();

    assertThat(registration.ensureRegistered())
        .as("not registered while the registry is down")
        .isFalse();
  }
}
