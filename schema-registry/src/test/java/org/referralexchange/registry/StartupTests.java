package org.referralexchange.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The store topic: created or refused at start-up, and its records in Confluent's formats. */
class StartupTests {

  @Test
  void createsTheStoreTopicCompactedWithOnePartition() throws Exception {
    String topic = RegistryInstance.freshTopic();
    try (RegistryInstance registry = RegistryInstance.start(topic);
        Admin admin =
            Admin.create(
                Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestBroker.bootstrapServers()))) {
      assertThat(registry.get("/subjects").body()).isEqualTo("[]");
      assertThat(
              admin
                  .describeTopics(java.util.List.of(topic))
                  .allTopicNames()
                  .get()
                  .get(topic)
                  .partitions())
          .hasSize(1);
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config = admin.describeConfigs(java.util.List.of(resource)).all().get().get(resource);
      assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
          .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
    }
  }

  @Test
  void refusesToStartOnAStoreTopicWithMoreThanOnePartition() {
    String topic = RegistryInstance.freshTopic();
    TestBroker.get().addTopics(new NewTopic(topic, 2, (short) 1));

    assertThatThrownBy(() -> RegistryInstance.start(topic))
        .hasStackTraceContaining("must have exactly one partition");
  }

  @Test
  void failsToStartWhenTheBrokerCannotBeReachedWithinTheInitTimeout() {
    assertThatThrownBy(
            () ->
                RegistryInstance.start(
                    RegistryInstance.freshTopic(),
                    "registry.kafka.bootstrap-servers=127.0.0.1:1",
                    "registry.init-timeout=2s"))
        .hasStackTraceContaining("Could not create or describe topic");
  }

  @Test
  void writesConfluentsKeyAndValueFormatsToTheTopic() {
    String topic = RegistryInstance.freshTopic();
    int id;
    try (RegistryInstance registry = RegistryInstance.start(topic)) {
      id = registry.register("format-value", Schemas.payment());
      registry.put("/config", "{\"compatibility\":\"FULL\"}");
    }

    Map<String, String> records = readAll(topic);

    assertThat(records)
        .containsEntry(
            "{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}",
            "{\"compatibilityLevel\":\"FULL\"}");
    String value =
        records.get(
            "{\"keytype\":\"SCHEMA\",\"subject\":\"format-value\",\"version\":1,\"magic\":1}");
    assertThat(RegistryInstance.JSON.readTree(value).propertyNames())
        .containsExactly("subject", "version", "id", "schema", "deleted");
    assertThat(RegistryInstance.JSON.readTree(value).get("id").asInt()).isEqualTo(id);
  }

  @Test
  void startsFromRecordsAConfluentRegistryWroteSkippingOnesItCannotUse() throws Exception {
    String topic = RegistryInstance.freshTopic();
    TestBroker.get().addTopics(new NewTopic(topic, 1, (short) 1));
    String prettySchema =
        "{\n  \"type\": \"record\", \"name\": \"Legacy\",\n  \"fields\": [{\"name\": \"a\", \"type\": \"int\"}]\n}";
    ObjectNode schemaValue = RegistryInstance.JSON.createObjectNode();
    schemaValue.put("subject", "legacy-value");
    schemaValue.put("version", 1);
    schemaValue.put("id", 41);
    schemaValue.put("schema", prettySchema);
    schemaValue.put("deleted", false);
    try (KafkaProducer<String, String> producer = producer()) {
      producer.send(new ProducerRecord<>(topic, "{\"keytype\":\"NOOP\",\"magic\":0}", null)).get();
      producer
          .send(
              new ProducerRecord<>(
                  topic,
                  "{\"keytype\":\"SCHEMA\",\"subject\":\"legacy-value\",\"version\":1,\"magic\":1}",
                  schemaValue.toString()))
          .get();
      producer
          .send(
              new ProducerRecord<>(
                  topic,
                  "{\"keytype\":\"MODE\",\"subject\":null,\"magic\":0}",
                  "{\"mode\":\"READWRITE\"}"))
          .get();
    }

    try (RegistryInstance registry = RegistryInstance.start(topic)) {
      assertThat(registry.get("/subjects").body()).isEqualTo("[\"legacy-value\"]");
      assertThat(registry.get("/schemas/ids/41").json().get("schema").asString())
          .isEqualTo(new org.apache.avro.Schema.Parser().parse(prettySchema).toString());
      assertThat(registry.register("next-value", Schemas.payment())).isEqualTo(42);
    }
  }

  private static KafkaProducer<String, String> producer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestBroker.bootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
  }

  private static Map<String, String> readAll(String topic) {
    Map<String, String> records = new java.util.HashMap<>();
    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestBroker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
      consumer.assign(java.util.List.of(partition));
      consumer.seekToBeginning(java.util.List.of(partition));
      long end = consumer.endOffsets(java.util.List.of(partition)).get(partition);
      while (consumer.position(partition) < end) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> records.put(r.key(), r.value()));
      }
    }
    return records;
  }
}
