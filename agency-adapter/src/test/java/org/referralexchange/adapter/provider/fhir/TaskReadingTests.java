package org.referralexchange.adapter.provider.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Date;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.referralexchange.events.v1.ReferralStatus;

class TaskReadingTests {

  @ParameterizedTest
  @CsvSource({
    "requested, REQUESTED",
    "received, REQUESTED",
    "accepted, ACCEPTED",
    "rejected, REJECTED",
    "in-progress, IN_PROGRESS",
    "on-hold, ON_HOLD",
    "cancelled, CANCELLED",
    "failed, FAILED",
    "completed, COMPLETED",
    "entered-in-error, ENTERED_IN_ERROR"
  })
  void mapsEveryGravityTaskStatusToTheExchangeStatus(String fhirCode, ReferralStatus expected) {
    assertThat(TaskReading.status(Task.TaskStatus.fromCode(fhirCode))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"draft", "ready"})
  void reportsNothingForTaskStatusesOutsideTheReferralLifecycle(String fhirCode) {
    Task task = new Task().setStatus(Task.TaskStatus.fromCode(fhirCode));

    assertThat(TaskReading.update("ref-1", "Task/1", task)).isNull();
  }

  @Test
  void failedTaskCarriesItsReasonAndNoOutcome() {
    Task task =
        new Task()
            .setStatus(Task.TaskStatus.FAILED)
            .setLastModified(new Date(0))
            .setStatusReason(
                new CodeableConcept().addCoding(new Coding("urn:x", "could-not-contact", null)));
    task.addOutput()
        .setType(
            new CodeableConcept()
                .addCoding(
                    new Coding(FhirCodes.SDOHCC_TEMPORARY_CODES, "resulting-activity", null)))
        .setValue(new StringType("nothing"));

    var update = TaskReading.update("ref-1", "Task/1", task);

    assertThat(update.status()).isEqualTo(ReferralStatus.FAILED);
    assertThat(update.reasonCode()).isEqualTo("could-not-contact");
    assertThat(update.reasonText()).isNull();
    assertThat(update.outcome()).isNull();
  }

  @Test
  void completedOutcomeJoinsEveryDeliveredDescriptionAndKeepsTheFirstCost() {
    CodeableConcept type =
        new CodeableConcept()
            .addCoding(new Coding(FhirCodes.SDOHCC_TEMPORARY_CODES, "resulting-activity", null));
    Task task = new Task().setStatus(Task.TaskStatus.COMPLETED);
    task.addOutput().setType(type).setValue(new StringType("Intake interview"));
    task.addOutput()
        .setType(type)
        .setValue(new CodeableConcept().setText("Enrolled in weekly pantry"));
    task.addOutput().setType(type).setValue(new Money().setValue(12).setCurrency("USD"));
    task.addOutput().setType(type).setValue(new Money().setValue(99).setCurrency("USD"));

    var outcome = TaskReading.outcome(task);

    assertThat(outcome.delivered()).isEqualTo("Intake interview; Enrolled in weekly pantry");
    assertThat(outcome.costAmount()).isEqualByComparingTo("12");
    assertThat(outcome.units()).isNull();
  }

  @Test
  void completedTaskWithoutResultingActivityHasNoOutcome() {
    Task task = new Task().setStatus(Task.TaskStatus.COMPLETED);
    task.addOutput().setType(new CodeableConcept().setText("other")).setValue(new StringType("x"));

    assertThat(TaskReading.outcome(task)).isNull();
  }

  @Test
  void procedureCodesAndReferencedProceduresDescribeWhatWasDelivered() {
    CodeableConcept type =
        new CodeableConcept()
            .addCoding(new Coding(FhirCodes.SDOHCC_TEMPORARY_CODES, "resulting-activity", null));
    Task task = new Task().setStatus(Task.TaskStatus.COMPLETED);
    task.addOutput().setType(type).setValue(new Reference("Procedure/7"));
    task.addOutput()
        .setType(type)
        .setValue(new Reference("Procedure/8").setDisplay("Shelter intake"));
    task.addOutput()
        .setType(type)
        .setValue(
            new CodeableConcept()
                .addCoding(new Coding("http://snomed.info/sct", "467771000124109", null)));
    Procedure food =
        new Procedure()
            .setCode(
                new CodeableConcept()
                    .addCoding(
                        new Coding("http://snomed.info/sct", "710925007", "Provision of food")))
            .setPerformed(
                new Period()
                    .setStartElement(new DateTimeType("2025-03-04"))
                    .setEndElement(new DateTimeType("2025-03-06")));

    var outcome =
        TaskReading.outcome(
            task,
            reference ->
                "Procedure/7".equals(reference.getReference())
                    ? Optional.of(food)
                    : Optional.empty());

    assertThat(outcome.delivered())
        .isEqualTo(
            "Provision of food (performed 2025-03-04 to 2025-03-06); Shelter intake;"
                + " 467771000124109");
  }

  @Test
  void aTaskWhoseLastModifiedWasLeftAtDeliveryIsTimedByTheServersLastUpdated() {
    Task task = new Task().setStatus(Task.TaskStatus.ACCEPTED);
    task.setLastModified(java.util.Date.from(java.time.Instant.parse("2026-01-05T10:00:00Z")));
    task.getMeta()
        .setLastUpdated(java.util.Date.from(java.time.Instant.parse("2026-01-06T09:30:00Z")));
    assertThat(TaskReading.occurredAt(task))
        .isEqualTo(java.time.Instant.parse("2026-01-06T09:30:00Z"));

    task.setLastModified(java.util.Date.from(java.time.Instant.parse("2026-01-07T08:00:00Z")));
    assertThat(TaskReading.occurredAt(task))
        .isEqualTo(java.time.Instant.parse("2026-01-07T08:00:00Z"));
  }
}
