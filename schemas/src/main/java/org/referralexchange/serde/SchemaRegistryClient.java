package org.referralexchange.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A client for the Confluent Schema Registry REST API (and the project's stand-in for it), using
 * {@code java.net.http}. Ids and schemas are cached for the life of the client: an id never changes
 * meaning, so records whose schemas were seen once keep (de)serializing while the registry is down.
 * Thread-safe; share one per process and registry.
 */
public final class SchemaRegistryClient {

  static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SerdeConfig config;
  private final HttpClient http;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
  private final Map<String, RegisteredSchema> latestBySubject = new ConcurrentHashMap<>();

  public SchemaRegistryClient(SerdeConfig config) {
    this.config = config;
    this.http = HttpClient.newBuilder().connectTimeout(config.requestTimeout()).build();
  }

  /** The configuration this client was made with. */
  public SerdeConfig config() {
    return config;
  }

  /**
   * Registers {@code schema} under {@code subject} (or finds it there) and returns its global id.
   * Registering the same schema again returns the same id.
   */
  public int register(String subject, Schema schema) {
    Map<Schema, Integer> ids =
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    Integer cached = ids.get(schema);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = send("POST", "subjects/" + encode(subject) + "/versions", body(schema));
    int id = answer.path("id").asInt();
    ids.put(schema, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  /** Returns the id of {@code schema} under {@code subject} without registering it. */
  public int lookup(String subject, Schema schema) {
    Map<Schema, Integer> ids =
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
    Integer cached = ids.get(schema);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = send("POST", "subjects/" + encode(subject), body(schema));
    int id = answer.path("id").asInt();
    ids.put(schema, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  /**
   * The latest version registered under {@code subject}. Asks the registry each time; when no
   * registry URL answers, the latest version it gave this client before, if any (Confluent's
   * serializer caches latest versions without expiry by default, {@code latest.cache.ttl.sec=-1}).
   *
   * @throws AvroSerdeException.RegistryUnavailable when the registry is unreachable and this client
   *     never saw the subject's latest version
   */
  public RegisteredSchema latest(String subject) {
    try {
      RegisteredSchema latest = version(subject, "latest");
      latestBySubject.put(subject, latest);
      return latest;
    } catch (AvroSerdeException.RegistryUnavailable unreachable) {
      RegisteredSchema known = latestBySubject.get(subject);
      if (known == null) {
        throw unreachable;
      }
      return known;
    }
  }

  /** A version ("1", "2", … or "latest") of {@code subject}; always asks the registry. */
  public RegisteredSchema version(String subject, String version) {
    JsonNode answer =
        send("GET", "subjects/" + encode(subject) + "/versions/" + encode(version), null);
    Schema schema = parse(answer.path("schema").asText());
    int id = answer.path("id").asInt();
    schemasById.putIfAbsent(id, schema);
    idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).putIfAbsent(schema, id);
    return new RegisteredSchema(subject, id, answer.path("version").asInt(), schema);
  }

  /**
   * The schema with this global id.
   *
   * @throws AvroSerdeException.UnknownSchemaId when the registry has none
   */
  public Schema byId(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    try {
      JsonNode answer = send("GET", "schemas/ids/" + id, null);
      Schema schema = parse(answer.path("schema").asText());
      Schema raced = schemasById.putIfAbsent(id, schema);
      return raced != null ? raced : schema;
    } catch (AvroSerdeException.RegistryRefused refused) {
      if (refused.status() == 404) {
        throw new AvroSerdeException.UnknownSchemaId(id, refused);
      }
      throw refused;
    }
  }

  private static String body(Schema schema) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schema", schema.toString());
    return body.toString();
  }

  private static Schema parse(String text) {
    try {
      return new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new AvroSerdeException.MalformedPayload(
          "The registry returned a schema that does not parse: " + e.getMessage(), e);
    }
  }

  private static String encode(String part) {
    return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Sends one request, trying each configured URL until one answers. An answer with an error status
   * is final (the registry spoke); only unreachable URLs move on to the next.
   */
  private JsonNode send(String method, String path, String body) {
    IOException lastFailure = null;
    for (URI base : config.registryUrls()) {
      URI uri = base.resolve(path);
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .timeout(config.requestTimeout())
              .header("Accept", MEDIA_TYPE + ", application/json");
      config.basicAuthHeader().ifPresent(h -> request.header("Authorization", h));
      if (body != null) {
        request.header("Content-Type", MEDIA_TYPE);
        request.method(method, HttpRequest.BodyPublishers.ofString(body));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        lastFailure = e;
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AvroSerdeException.RegistryUnavailable(
            "Interrupted while calling the schema registry at " + base, e);
      }
      return answer(method, path, base, response);
    }
    throw new AvroSerdeException.RegistryUnavailable(
        "Schema registry unreachable at "
            + config.registryUrls()
            + " ("
            + method
            + " /"
            + path
            + "): "
            + (lastFailure == null ? "no answer" : lastFailure),
        lastFailure);
  }

  private static JsonNode answer(
      String method, String path, URI base, HttpResponse<String> response) {
    JsonNode json;
    try {
      json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      json = JSON.createObjectNode();
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return json;
    }
    int errorCode = json.path("error_code").asInt(status);
    String message = json.path("message").asText(response.body());
    if (status >= 500) {
      throw new AvroSerdeException.RegistryUnavailable(
          "Schema registry at " + base + " failed (" + status + ", " + errorCode + "): " + message,
          null);
    }
    throw new AvroSerdeException.RegistryRefused(
        "Schema registry at "
            + base
            + " refused "
            + method
            + " /"
            + path
            + " ("
            + status
            + ", error_code "
            + errorCode
            + "): "
            + message,
        status,
        errorCode);
  }
}
