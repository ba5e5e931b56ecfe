package org.referralexchange.schemas;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.referralexchange.serde.SchemaRegistryClient;
import org.referralexchange.serde.SerdeConfig;

/**
 * Registers each topic's value schema under {@code <topic>-value}. Topics that carry a union of
 * event types need this before the first write, because a serializer only ever registers the one
 * record it is writing; producers to them run with {@code use.latest.version=true} (Confluent's
 * advice for several event types in one topic). Registering is idempotent.
 *
 * <p>As a command: {@code java -cp schemas.jar org.referralexchange.schemas.TopicSchemaRegistration
 * <registry-url>}.
 */
public final class TopicSchemaRegistration {

  private TopicSchemaRegistration() {}

  /**
   * Registers every topic's value schema, and the same schema for its dead-letter topic (which
   * carries the topic's records as they were); returns the id of each subject.
   */
  public static Map<String, Integer> registerAll(SchemaRegistryClient client) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    subjects().forEach((subject, schema) -> ids.put(subject, client.register(subject, schema)));
    return ids;
  }

  /** Every subject registered here with its schema, in registration order. */
  public static Map<String, Schema> subjects() {
    Map<String, Schema> subjects = new LinkedHashMap<>();
    for (TopicSpec topic : Topics.ALL) {
      subjects.put(topic.valueSubject(), topic.valueSchema());
      subjects.put(topic.deadLetterTopic() + "-value", topic.valueSchema());
    }
    return subjects;
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: TopicSchemaRegistration <schema-registry-url>");
    }
    SchemaRegistryClient client =
        new SchemaRegistryClient(
            SerdeConfig.from(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, args[0])));
    registerAll(client).forEach((subject, id) -> System.out.println(subject + " -> id " + id));
  }
}
