package org.referralexchange.adapter.provider.fhir;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Money;
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
        status == ReferralStatus.COMPLETED ? outcome(task) : null,
        occurredAt(task));
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

  /** When the provider changed the Task: Task.lastModified, else meta.lastUpdated, else now. */
  static Instant occurredAt(Task task) {
    if (task.getLastModified() != null) {
      return task.getLastModified().toInstant();
    }
    if (task.getMeta().getLastUpdated() != null) {
      return task.getMeta().getLastUpdated().toInstant();
    }
    return Instant.now();
  }

  /**
   * The outcome from the Task's outputs of type {@code resulting-activity}: {@code valueString},
   * {@code valueReference.display} (else its reference) and {@code valueCodeableConcept} text
   * describe what was delivered; the first {@code valueQuantity} counts units (value, unit); the
   * first {@code valueMoney} is the cost (value, currency). Null when there is none.
   */
  static Outcome outcome(Task task) {
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
            reference.hasDisplay() ? reference.getDisplay() : reference.getReference();
        if (described != null && !described.isBlank()) {
          delivered.add(described);
        }
      } else if (value instanceof CodeableConcept concept) {
        String described = concept.hasText() ? concept.getText() : firstDisplay(concept);
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
