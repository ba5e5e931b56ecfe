package org.referralexchange.adapter.provider.fhir;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Type;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderStatusUpdate.Outcome;
import org.referralexchange.events.v1.ReferralStatus;

/** Reads a provider's Task back into the exchange's lifecycle words. No I/O here. */
final class TaskReading {

  private TaskReading() {}

  /**
   * The exchange status for a Task status, or null for the FHIR statuses Gravity does not use for
   * referrals ({@code draft}, {@code ready}) and for a missing status.
   */
  static ReferralStatus status(Task.TaskStatus status) {
    if (status == null) {
      return null;
    }
    return switch (status) {
      case REQUESTED -> ReferralStatus.REQUESTED;
      case RECEIVED -> ReferralStatus.REQUESTED; // excluded since SDOHCC 2.1: still requested
      case ACCEPTED -> ReferralStatus.ACCEPTED;
      case REJECTED -> ReferralStatus.REJECTED;
      case INPROGRESS -> ReferralStatus.IN_PROGRESS;
      case ONHOLD -> ReferralStatus.ON_HOLD;
      case CANCELLED -> ReferralStatus.CANCELLED;
      case FAILED -> ReferralStatus.FAILED;
      case COMPLETED -> ReferralStatus.COMPLETED;
      case ENTEREDINERROR -> ReferralStatus.ENTERED_IN_ERROR;
      case DRAFT, READY, NULL -> null;
    };
  }

  /** Whether the Task can no longer change: nothing to withdraw from it. */
  static boolean terminal(Task.TaskStatus status) {
    return status == Task.TaskStatus.COMPLETED
        || status == Task.TaskStatus.REJECTED
        || status == Task.TaskStatus.CANCELLED
        || status == Task.TaskStatus.FAILED
        || status == Task.TaskStatus.ENTEREDINERROR;
  }

  /**
   * The update the Task reports, or null when it reports nothing new (still {@code requested}, or a
   * status outside the Gravity lifecycle).
   */
  static ProviderStatusUpdate update(String referralId, String providerReference, Task task) {
    return update(referralId, providerReference, task, reference -> Optional.empty());
  }

  /**
   * As {@link #update(String, String, Task)}, reading the Procedures that the Task's outputs
   * reference through {@code procedures} (the adapter's reads; empty when a reference cannot be
   * read).
   */
  static ProviderStatusUpdate update(
      String referralId,
      String providerReference,
      Task task,
      Function<Reference, Optional<Procedure>> procedures) {
    ReferralStatus status = status(task.getStatus());
    if (status == null || status == ReferralStatus.REQUESTED) {
      return null;
    }
    CodeableConcept reason = task.hasStatusReason() ? task.getStatusReason() : null;
    return new ProviderStatusUpdate(
        referralId,
        status,
        reason == null ? null : reasonCode(reason),
        reason == null ? null : reasonText(reason),
        providerReference,
        status == ReferralStatus.COMPLETED ? outcome(task, procedures) : null,
        occurredAt(task),
        version(task));
  }

  /** The Task's version ({@code meta.versionId}, else the one in its id); null when unversioned. */
  static String version(Task task) {
    if (task.getMeta().hasVersionId()) {
      return task.getMeta().getVersionId();
    }
    return task.getIdElement().getVersionIdPart();
  }

  private static String reasonCode(CodeableConcept reason) {
    return reason.getCoding().stream()
        .map(Coding::getCode)
        .filter(code -> code != null && !code.isBlank())
        .findFirst()
        .orElse(null);
  }

  private static String reasonText(CodeableConcept reason) {
    if (reason.hasText()) {
      return reason.getText();
    }
    return reason.getCoding().stream()
        .map(Coding::getDisplay)
        .filter(display -> display != null && !display.isBlank())
        .findFirst()
        .orElse(null);
  }

  /**
   * When the provider changed the Task: the later of {@code Task.lastModified} and {@code
   * meta.lastUpdated}, else now. The Gravity reference implementation never sets {@code
   * lastModified}, so it keeps the exchange's value from delivery and only the server's {@code
   * lastUpdated} says when the provider acted.
   */
  static Instant occurredAt(Task task) {
    Instant modified = task.getLastModified() == null ? null : task.getLastModified().toInstant();
    Instant updated =
        task.getMeta().getLastUpdated() == null
            ? null
            : task.getMeta().getLastUpdated().toInstant();
    if (modified == null && updated == null) {
      return Instant.now();
    }
    if (modified == null || (updated != null && updated.isAfter(modified))) {
      return updated;
    }
    return modified;
  }

  /** As {@link #outcome(Task, Function)}, describing referenced Procedures by their display. */
  static Outcome outcome(Task task) {
    return outcome(task, reference -> Optional.empty());
  }

  /**
   * The outcome from the Task's outputs of type {@code resulting-activity} (SDOHCC's
   * PerformedActivityCode and PerformedActivityReference slices): a {@code valueCodeableConcept} (a
   * procedure code) by its text, else display, else code; a {@code valueReference} to a Procedure
   * by that Procedure's code and when it was performed, else by the reference's display or the
   * reference itself; a {@code valueString} as written. The first {@code valueQuantity} counts
   * units (value, unit); the first {@code valueMoney} is the cost (value, currency). Null when
   * there is none.
   */
  static Outcome outcome(Task task, Function<Reference, Optional<Procedure>> procedures) {
    List<String> delivered = new ArrayList<>();
    Double units = null;
    String unitName = null;
    BigDecimal costAmount = null;
    String costCurrency = null;
    for (Task.TaskOutputComponent output : task.getOutput()) {
      if (!resultingActivity(output.getType()) || output.getValue() == null) {
        continue;
      }
      Type value = output.getValue();
      if (value instanceof StringType text && text.hasValue()) {
        delivered.add(text.getValue());
      } else if (value instanceof Reference reference) {
        String described =
            procedures
                .apply(reference)
                .map(TaskReading::describe)
                .orElse(reference.hasDisplay() ? reference.getDisplay() : reference.getReference());
        if (described != null && !described.isBlank()) {
          delivered.add(described);
        }
      } else if (value instanceof CodeableConcept concept) {
        String described = describe(concept);
        if (described != null) {
          delivered.add(described);
        }
      } else if (value instanceof Money money && money.hasValue() && costAmount == null) {
        costAmount = money.getValue();
        costCurrency = money.getCurrency();
      } else if (value instanceof Quantity quantity && quantity.hasValue() && units == null) {
        units = quantity.getValue().doubleValue();
        unitName = quantity.hasUnit() ? quantity.getUnit() : quantity.getCode();
      }
    }
    if (delivered.isEmpty() && units == null && costAmount == null) {
      return null;
    }
    return new Outcome(
        delivered.isEmpty() ? null : String.join("; ", delivered),
        units,
        unitName,
        costAmount,
        costCurrency);
  }

  /** A Procedure as "what, when": its code, and the day (or days) it was performed. */
  static String describe(Procedure procedure) {
    String what = procedure.hasCode() ? describe(procedure.getCode()) : null;
    if (what == null) {
      what = "Procedure";
    }
    String when = null;
    if (procedure.hasPerformedDateTimeType()) {
      when = procedure.getPerformedDateTimeType().getValueAsString();
    } else if (procedure.hasPerformedPeriod()) {
      Period period = procedure.getPerformedPeriod();
      String start = period.hasStart() ? period.getStartElement().getValueAsString() : null;
      String end = period.hasEnd() ? period.getEndElement().getValueAsString() : null;
      when = start != null && end != null ? start + " to " + end : start != null ? start : end;
    } else if (procedure.hasPerformedStringType()) {
      when = procedure.getPerformedStringType().getValue();
    }
    return when == null || when.isBlank() ? what : what + " (performed " + when + ")";
  }

  /** A concept by its text, else its first display, else its first code. */
  private static String describe(CodeableConcept concept) {
    if (concept.hasText()) {
      return concept.getText();
    }
    String display = firstDisplay(concept);
    if (display != null) {
      return display;
    }
    return concept.getCoding().stream()
        .map(Coding::getCode)
        .filter(code -> code != null && !code.isBlank())
        .findFirst()
        .orElse(null);
  }

  private static boolean resultingActivity(CodeableConcept type) {
    return type != null
        && type.getCoding().stream()
            .anyMatch(coding -> FhirCodes.RESULTING_ACTIVITY.equals(coding.getCode()));
  }

  private static String firstDisplay(CodeableConcept concept) {
    return concept.getCoding().stream()
        .map(Coding::getDisplay)
        .filter(display -> display != null && !display.isBlank())
        .findFirst()
        .orElse(null);
  }
}
