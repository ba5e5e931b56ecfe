package org.referralexchange.demo.fhir;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.util.Date;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;

/**
 * The Task edits of the Gravity-like demo provider, made the way the Gravity SDOHCC reference CBO
 * application makes them: the status alone for accepted and in-progress; the status and a {@code
 * statusReason} with text only for rejected and on-hold; for completed, a Procedure created first
 * (based on the ServiceRequest, with its category, code and subject) and referenced from a {@code
 * Task.output} of type {@code resulting-activity}. {@code Task.lastModified} is left as the
 * requester wrote it, as that application does: only {@code meta.lastUpdated} moves.
 */
final class GravityEdits {

  static final String SDOHCC_PROCEDURE =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-Procedure";

  static final String SNOMED = "http://snomed.info/sct";

  /** Used when the ServiceRequest carries no code: SNOMED CT "Social service procedure". */
  static final Coding FALLBACK_PROCEDURE_CODE =
      new Coding(SNOMED, "410606002", "Social service procedure (procedure)");

  private GravityEdits() {}

  /** The edit that sets {@code status}; false when the Task is not in the status it follows. */
  static Predicate<Task> edit(String status, InMemoryFhirServer server) {
    return switch (status) {
      case "accepted" -> task -> move(task, Task.TaskStatus.REQUESTED, Task.TaskStatus.ACCEPTED);
      case "in-progress" ->
          task -> move(task, Task.TaskStatus.REQUESTED, Task.TaskStatus.INPROGRESS);
      case "rejected" ->
          task ->
              move(task, Task.TaskStatus.REQUESTED, Task.TaskStatus.REJECTED)
                  && reason(task, GravityScript.DECLINE_TEXT);
      case "on-hold" ->
          task ->
              move(task, Task.TaskStatus.ACCEPTED, Task.TaskStatus.ONHOLD)
                  && reason(task, GravityScript.HOLD_TEXT);
      case "completed" ->
          task ->
              move(task, Task.TaskStatus.REQUESTED, Task.TaskStatus.COMPLETED)
                  && completed(task, server);
      default -> throw new IllegalArgumentException("No Gravity edit sets " + status);
    };
  }

  private static boolean move(Task task, Task.TaskStatus from, Task.TaskStatus to) {
    if (task.getStatus() != from) {
      return false;
    }
    task.setStatus(to);
    return true;
  }

  /** SDOHCC asks for {@code statusReason.text} only; this provider gives nothing more. */
  private static boolean reason(Task task, String text) {
    task.setStatusReason(new CodeableConcept().setText(text));
    return true;
  }

  private static boolean completed(Task task, InMemoryFhirServer server) {
    ServiceRequest request = focus(task, server);
    CodeableConcept code =
        request != null && request.hasCode()
            ? request.getCode().copy()
            : new CodeableConcept().addCoding(FALLBACK_PROCEDURE_CODE.copy());
    Procedure procedure = new Procedure();
    procedure.getMeta().addProfile(SDOHCC_PROCEDURE);
    procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
    procedure.setCode(code);
    if (request != null) {
      procedure.addBasedOn(new Reference("ServiceRequest/" + request.getIdElement().getIdPart()));
      if (request.hasCategory()) {
        procedure.setCategory(request.getCategoryFirstRep().copy());
      }
    }
    procedure.setSubject(
        request != null && request.hasSubject()
            ? request.getSubject().copy()
            : task.getFor().copy());
    procedure.setPerformed(new DateTimeType(new Date(), TemporalPrecisionEnum.DAY));
    String reference = server.providerCreates(procedure);
    task.addOutput().setType(resultingActivity()).setValue(new Reference(reference));
    task.addOutput().setType(resultingActivity()).setValue(code.copy());
    return true;
  }

  private static ServiceRequest focus(Task task, InMemoryFhirServer server) {
    IdType focus = new IdType(task.getFocus().getReference());
    if (!"ServiceRequest".equals(focus.getResourceType()) || !focus.hasIdPart()) {
      return null;
    }
    try {
      return server.read(ServiceRequest.class, focus.getIdPart());
    } catch (RuntimeException e) {
      return null; // no such ServiceRequest: the Procedure is based on nothing
    }
  }

  private static CodeableConcept resultingActivity() {
    return new CodeableConcept()
        .addCoding(
            new Coding(
                DemoFhirProvider.SDOHCC_TEMPORARY_CODES,
                DemoFhirProvider.RESULTING_ACTIVITY,
                "Resulting Activity"));
  }
}
