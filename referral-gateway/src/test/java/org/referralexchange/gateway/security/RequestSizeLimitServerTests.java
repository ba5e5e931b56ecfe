package org.referralexchange.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.gateway.security.SecurityTestConfiguration.COUNTY_KEY;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.security.SecurityTestConfiguration.EchoController;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

/**
 * The body size limit against a real Tomcat, where a chunked body really has no length: the limit
 * is 1024 bytes and the controller never sees a body that exceeds it, whole or in part.
 */
@SpringBootTest(
    classes = {SecurityTestConfiguration.class, SecurityConfiguration.class, MeController.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestPropertySource(locations = "classpath:security-test.properties")
class RequestSizeLimitServerTests {

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @LocalServerPort private int port;
  @Autowired private EchoController echo;

  private int callsBefore;

  @BeforeEach
  void rememberCalls() {
    callsBefore = echo.calls.get();
  }

  @Test
  void refusesChunkedBodyLargerThanTheLimitBeforeTheControllerRuns() throws Exception {
    HttpResponse<String> response = post(chunked(bytes(4096)));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.body()).contains("\"type\":\"/problems/payload-too-large\"");
    assertThat(echo.calls.get()).isEqualTo(callsBefore);
  }

  @Test
  void refusesChunkedBodyOneByteOverTheLimit() throws Exception {
    assertThat(post(chunked(bytes(1025))).statusCode()).isEqualTo(413);
    assertThat(echo.calls.get()).isEqualTo(callsBefore);
  }

  @Test
  void refusesDeclaredContentLengthLargerThanTheLimit() throws Exception {
    HttpResponse<String> response = post(BodyPublishers.ofByteArray(bytes(2048)));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("\"type\":\"/problems/payload-too-large\"");
    assertThat(echo.calls.get()).isEqualTo(callsBefore);
  }

  @Test
  void passesAChunkedBodyWithinTheLimitWhole() throws Exception {
    HttpResponse<String> response = post(chunked(bytes(1024)));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"bytes\":1024}");
    assertThat(echo.calls.get()).isEqualTo(callsBefore + 1);
  }

  @Test
  void answersHealthWithoutCredentials() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/actuator/health")).GET().build(), BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> post(BodyPublisher body) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(uri(EchoController.PATH))
            .header("X-Api-Key", COUNTY_KEY)
            .header("Content-Type", "application/octet-stream")
            .POST(body)
            .build();
    return http.send(request, BodyHandlers.ofString());
  }

  /** A body of unknown length, which HTTP/1.1 sends chunked with no Content-Length. */
  private static BodyPublisher chunked(byte[] body) {
    return BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
  }

  private static byte[] bytes(int n) {
    byte[] body = new byte[n];
    Arrays.fill(body, (byte) 'x');
    return body;
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
