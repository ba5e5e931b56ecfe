package org.referralexchange.registry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A running registry on a random port, talked to over real HTTP. */
public final class RegistryInstance implements AutoCloseable {

  public static final String V1 = "application/vnd.schemaregistry.v1+json";
  public static final JsonMapper JSON = JsonMapper.builder().build();

  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final ConfigurableApplicationContext context;
  private final String baseUrl;

  private RegistryInstance(ConfigurableApplicationContext context) {
    this.context = context;
    this.baseUrl = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
  }

  /** A fresh topic name, so a test class starts from an empty registry. */
  public static String freshTopic() {
    return "_schemas-test-" + UUID.randomUUID();
  }

  /** Starts an instance on the shared broker; returns once it read its topic and serves. */
  public static RegistryInstance start(String topic, String... properties) {
    // As command-line arguments: SpringApplicationBuilder.properties() would lose to
    // schema-registry.yml.
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("server.port", "0");
    settings.put("server.address", "127.0.0.1");
    settings.put("registry.kafka.bootstrap-servers", TestBroker.bootstrapServers());
    settings.put("registry.kafka.topic", topic);
    settings.put("registry.write-timeout", "20s");
    settings.put("spring.main.banner-mode", "off");
    for (String property : properties) {
      int equals = property.indexOf('=');
      settings.put(property.substring(0, equals), property.substring(equals + 1));
    }
    List<String> args = new ArrayList<>();
    settings.forEach((key, value) -> args.add("--" + key + "=" + value));
    return new RegistryInstance(
        SchemaRegistryApplication.builder().run(args.toArray(String[]::new)));
  }

  @Override
  public void close() {
    context.close();
  }

  /** A register/lookup/compatibility body: {@code {"schema":"..."}}. */
  public static String schemaBody(String schema) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schema", schema);
    return body.toString();
  }

  public Response get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().header("Accept", V1));
  }

  public Response post(String path, String body) {
    return send(path, "POST", body, V1);
  }

  public Response put(String path, String body) {
    return send(path, "PUT", body, V1);
  }

  public Response delete(String path) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE().header("Accept", V1));
  }

  public Response send(String path, String method, String body, String contentType) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", contentType)
            .header("Accept", V1));
  }

  /** Registers a schema and returns its id, failing the test on any other answer. */
  public int register(String subject, String schema) {
    Response response = post("/subjects/" + subject + "/versions", schemaBody(schema));
    if (response.status() != 200) {
      throw new AssertionError("Registering under " + subject + " answered " + response);
    }
    return response.json().get("id").asInt();
  }

  private URI uri(String path) {
    return URI.create(baseUrl + path);
  }

  private static Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      return new Response(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(""),
          response.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An HTTP answer. */
  public record Response(int status, String contentType, String body) {

    public JsonNode json() {
      return JSON.readTree(body);
    }

    public int errorCode() {
      return json().get("error_code").asInt();
    }

    public String message() {
      return json().get("message").asString();
    }
  }
}
