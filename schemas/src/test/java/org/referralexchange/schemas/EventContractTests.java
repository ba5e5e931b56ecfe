package org.referralexchange.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.referralexchange.schemas.compatibility.SchemaDirectory;

/** The rules every event contract follows, checked over every .avsc. */
class EventContractTests {

  private static final Map<String, Schema> SCHEMAS = SchemaDirectory.read(Path.of("src/main/avro"));

  @Test
  void everyNamedTypeAndFieldHasADoc() {
    List<String> missing = new ArrayList<>();
    for (Schema schema : SCHEMAS.values()) {
      if (schema.getDoc() == null || schema.getDoc().isBlank()) {
        missing.add(schema.getFullName());
      }
      if (schema.getType() == Schema.Type.RECORD) {
        schema.getFields().stream()
            .filter(f -> f.doc() == null || f.doc().isBlank())
            .forEach(f -> missing.add(schema.getFullName() + "." + f.name()));
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void everyTypeLivesInAVersionedNamespace() {
    assertThat(SCHEMAS.values())
        .extracting(Schema::getNamespace)
        .allMatch(ns -> ns.matches("org\\.referralexchange\\.events\\.v\\d+"));
  }

  @Test
  void everyEventCarriesEventIdAndOccurredAt() {
    for (TopicSpec topic : Topics.ALL) {
      for (Schema event : branches(topic.valueSchema())) {
        assertThat(event.getField("eventId")).as(event.getName() + ".eventId").isNotNull();
        assertThat(event.getField("eventId").schema().getLogicalType().getName()).isEqualTo("uuid");
        assertThat(event.getField("occurredAt")).as(event.getName() + ".occurredAt").isNotNull();
      }
    }
  }

  @Test
  void referralTopicsAreKeyedByReferralIdWithOnePartitionCount() {
    for (TopicSpec topic : Topics.ALL) {
      if (topic.key().equals("referralId")) {
        assertThat(topic.partitions()).isEqualTo(Topics.REFERRAL_PARTITIONS);
        assertThat(topic.valueSchema().getField("referralId")).isNotNull();
      }
    }
  }

  @Test
  void consentTopicIsCompactedAndEachEventCarriesTheWholeConsent() {
    assertThat(Topics.CONSENT_EVENTS.compacted()).isTrue();
    assertThat(Topics.CONSENT_EVENTS.config()).containsEntry("cleanup.policy", "compact");
    for (Schema event : branches(Topics.CONSENT_EVENTS.valueSchema())) {
      assertThat(event.getField("consent").schema().getName()).isEqualTo("ConsentDetails");
    }
  }

  @Test
  void eventNamesArePastTense() {
    for (TopicSpec topic : Topics.ALL) {
      for (Schema event : branches(topic.valueSchema())) {
        assertThat(event.getName()).matches(".*(ed|Overdue)$");
      }
    }
  }

  /** Client identity and free text reach a topic only as ciphertext inside an envelope. */
  @Test
  void identifyingRecordsAppearOnlyInsideEncryptedEnvelopes() {
    Set<String> reachable = new HashSet<>();
    for (TopicSpec topic : Topics.ALL) {
      collectNames(topic.valueSchema(), reachable);
    }
    assertThat(reachable)
        .contains("org.referralexchange.events.v1.EncryptedEnvelope")
        .doesNotContain(
            "org.referralexchange.events.v1.ClientIdentity",
            "org.referralexchange.events.v1.ReferralNarrative",
            "org.referralexchange.events.v1.Address",
            "org.referralexchange.events.v1.Identifier");
  }

  private static List<Schema> branches(Schema schema) {
    return schema.getType() == Schema.Type.UNION ? schema.getTypes() : List.of(schema);
  }

  private static void collectNames(Schema schema, Set<String> into) {
    switch (schema.getType()) {
      case RECORD -> {
        if (into.add(schema.getFullName())) {
          schema.getFields().forEach(f -> collectNames(f.schema(), into));
        }
      }
      case UNION -> schema.getTypes().forEach(t -> collectNames(t, into));
      case ARRAY -> collectNames(schema.getElementType(), into);
      case MAP -> collectNames(schema.getValueType(), into);
      case ENUM, FIXED -> into.add(schema.getFullName());
      default -> {}
    }
  }
}
