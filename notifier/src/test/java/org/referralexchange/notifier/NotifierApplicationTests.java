package org.referralexchange.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@EmbeddedKafka(bootstrapServersProperty = "spring.kafka.bootstrap-servers")
class NotifierApplicationTests {

  private final HttpClient http = HttpClient.newHttpClient();

  @LocalServerPort private int port;

  @Test
  void exposesLivenessAndReadinessProbes() throws Exception {
    for (String probe : new String[] {"liveness", "readiness"}) {
      HttpResponse<String> response = get("/actuator/health/" + probe);

      assertThat(response.statusCode()).as(probe).isEqualTo(200);
      assertThat(response.body()).as(probe).contains("\"status\":\"UP\"");
    }
  }

  @Test
  void answersUnknownActuatorEndpointWithNotFound() throws Exception {
    assertThat(get("/actuator/nope").statusCode()).isEqualTo(404);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build();
    return http.send(request, BodyHandlers.ofString());
  }
}
