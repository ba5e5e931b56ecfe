package org.referralexchange.adapter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.referralexchange.schemas.Topics;
import org.referralexchange.testing.ExchangeInfrastructure;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Every start reads the log from the beginning and meets a poison record again; it must reach the
 * dead-letter topic once, not once per start.
 */
class DeadLetterRestartTests {

  static long deadLettersFor(String key) {
    return ExchangeInfrastructure.read(
            Topics.REFERRAL_SUBMITTED.deadLetterTopic(), new ByteArrayDeserializer())
        .stream()
        .filter(r -> key.equals(r.key()))
        .count();
  }

  static boolean ready(ConfigurableApplicationContext adapter) throws Exception {
    String port = adapter.getEnvironment().getProperty("local.server.port");
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
            .build();
    return HttpClient.newHttpClient()
            .send(request, HttpResponse.BodyHandlers.discarding())
            .statusCode()
        == 200;
  }

  @Test
  void poisonRecordIsDeadLetteredOnceAcrossRestarts() {
    String key = "poison-restart-" + UUID.randomUUID();
    ExchangeInfrastructure.publishRaw(
        Topics.REFERRAL_SUBMITTED.name(), key, new byte[] {9, 9, 9, 9, 9, 9});

    try (ConfigurableApplicationContext first =
        ResponseClockRestartTests.adapter("http://127.0.0.1:9/unused")) {
      await().atMost(Duration.ofSeconds(60)).until(() -> deadLettersFor(key) == 1);
    }
    try (ConfigurableApplicationContext second =
        ResponseClockRestartTests.adapter("http://127.0.0.1:9/unused")) {
      await().atMost(Duration.ofSeconds(60)).until(() -> ready(second));
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(() -> deadLettersFor(key) == 1);
    }
    assertThat(deadLettersFor(key)).isEqualTo(1);
  }
}
