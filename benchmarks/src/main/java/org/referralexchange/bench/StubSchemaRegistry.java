package org.referralexchange.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * The smallest Schema Registry a serializer can be warmed against: every schema registered gets id
 * 1, and id 1 is the one schema it was made with. It counts the requests it answers, so a benchmark
 * can prove that its measured loop never reached the registry.
 */
final class StubSchemaRegistry implements AutoCloseable {

  private static final String LOOPBACK = "127.0.0.1";
  private static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final Pattern REGISTER = Pattern.compile("/subjects/[^/]+/versions/?");
  private static final String SCHEMA_BY_ID = "/schemas/ids/1";

  private final HttpServer server;
  private final String schemaById;
  private final AtomicInteger requests = new AtomicInteger();

  private StubSchemaRegistry(HttpServer server, Schema schema) {
    this.server = server;
    try {
      this.schemaById = new ObjectMapper().writeValueAsString(Map.of("schema", schema.toString()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts a registry serving {@code schema} as id 1 on a free loopback port. */
  static StubSchemaRegistry start(Schema schema) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot bind the stub schema registry", e);
    }
    StubSchemaRegistry registry = new StubSchemaRegistry(server, schema);
    server.createContext("/", registry::handle);
    server.start();
    return registry;
  }

  /** The base URL to configure as {@code schema.registry.url}. */
  String url() {
    return "http://" + LOOPBACK + ":" + server.getAddress().getPort();
  }

  /** Requests answered so far, whatever their outcome. */
  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try {
      exchange.getRequestBody().readAllBytes();
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      if ("POST".equals(method) && REGISTER.matcher(path).matches()) {
        respond(exchange, 200, "{\"id\":1}");
      } else if ("GET".equals(method) && SCHEMA_BY_ID.equals(path)) {
        respond(exchange, 200, schemaById);
      } else {
        respond(exchange, 404, "{\"error_code\":40401,\"message\":\"not in the stub\"}");
      }
    } finally {
      exchange.close();
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", MEDIA_TYPE);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
