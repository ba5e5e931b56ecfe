package org.referralexchange.gateway.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Calls a running gateway over real HTTP as one agency. */
public final class GatewayClient {

  /** API keys of the demo agencies configured in referral-gateway.yml. */
  public static final Map<String, String> KEYS =
      Map.of(
          "county-hhs", "local-county-hhs-key",
          "harbor-shelter", "local-shelter-key",
          "northside-food-bank", "local-foodbank-key");

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;

  public GatewayClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public record Response(int status, Map<String, java.util.List<String>> headers, String body) {
    public JsonNode json() {
      return JSON.readTree(body);
    }

    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  public Response post(String agency, String path, String body, String... headers) {
    return postAs(agency, path, "application/json", body, headers);
  }

  /** A POST with the given Content-Type (null for none) and further headers (name, value, ...). */
  public Response postAs(
      String agency, String path, String contentType, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (agency != null) {
      request.header("X-Api-Key", KEYS.get(agency));
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request.build());
  }

  public Response get(String agency, String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (agency != null) {
      request.header("X-Api-Key", KEYS.get(agency));
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request.build());
  }

  private Response send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.headers().map(), response.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
