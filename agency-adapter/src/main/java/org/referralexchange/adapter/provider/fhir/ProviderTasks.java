package org.referralexchange.adapter.provider.fhir;

import static org.referralexchange.adapter.provider.fhir.FhirClients.call;

import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.TrackedReferral;

/** Finds, reads and writes back a referral's Task and ServiceRequest at a provider's server. */
final class ProviderTasks {

  /** Read-modify-write attempts when the provider changes the Task under us (HTTP 409/412). */
  static final int UPDATE_ATTEMPTS = 3;

  private ProviderTasks() {}

  /**
   * The Task for a tracked referral: read by its reference, else (no reference, or one that is not
   * a Task) searched by the referral identifier. Empty when the provider has none (404/410).
   */
  static Optional<Task> find(
      ProviderSettings provider, IGenericClient client, TrackedReferral tracked, String operation) {
    IdType id =
        tracked.providerReference() == null ? null : new IdType(tracked.providerReference());
    if (id != null && "Task".equals(id.getResourceType()) && id.hasIdPart()) {
      return Optional.ofNullable(
          call(
              provider,
              operation,
              tracked.referralId(),
              () -> {
                try {
                  return client.read().resource(Task.class).withId(id.getIdPart()).execute();
                } catch (ResourceNotFoundException | ResourceGoneException gone) {
                  return null;
                }
              }));
    }
    Bundle found =
        call(
            provider,
            operation,
            tracked.referralId(),
            () ->
                client
                    .search()
                    .forResource(Task.class)
                    .where(
                        Task.IDENTIFIER
                            .exactly()
                            .systemAndCode(FhirCodes.REFERRAL_ID, tracked.referralId()))
                    .returnBundle(Bundle.class)
                    .execute());
    return found.getEntry().stream()
        .map(Bundle.BundleEntryComponent::getResource)
        .filter(Task.class::isInstance)
        .map(Task.class::cast)
        .findFirst();
  }

  /** The ServiceRequest the Task focuses on, or null when its focus is not a literal one. */
  static ServiceRequest readFocus(
      ProviderSettings provider,
      IGenericClient client,
      String referralId,
      Task task,
      String operation) {
    IdType focus = new IdType(task.getFocus().getReference());
    if (!"ServiceRequest".equals(focus.getResourceType()) || !focus.hasIdPart()) {
      return null;
    }
    return call(
        provider,
        operation,
        referralId,
        () -> {
          try {
            return client.read().resource(ServiceRequest.class).withId(focus.getIdPart()).execute();
          } catch (ResourceNotFoundException | ResourceGoneException gone) {
            return null;
          }
        });
  }

  /** Writes the resource back; false on a version conflict (HTTP 409/412). */
  static boolean update(
      ProviderSettings provider,
      IGenericClient client,
      String referralId,
      String operation,
      Resource resource) {
    IdType id = resource.getIdElement();
    String version = id.getVersionIdPart();
    return call(
        provider,
        operation,
        referralId,
        () -> {
          var update = client.update().resource(resource).withId(id.toUnqualifiedVersionless());
          if (version != null && !version.isBlank()) {
            update =
                update.withAdditionalHeader(Constants.HEADER_IF_MATCH, "W/\"" + version + "\"");
          }
          try {
            update.execute();
            return true;
          } catch (PreconditionFailedException | ResourceVersionConflictException conflict) {
            return false;
          }
        });
  }

  /** Whether the requester may still end the ServiceRequest (revoke or complete it). */
  static boolean revocable(ServiceRequest.ServiceRequestStatus status) {
    return status == ServiceRequest.ServiceRequestStatus.ACTIVE
        || status == ServiceRequest.ServiceRequestStatus.ONHOLD
        || status == ServiceRequest.ServiceRequestStatus.DRAFT;
  }

  /** The exchange's referral id on a Task (its identifier under {@link FhirCodes#REFERRAL_ID}). */
  static String referralId(Task task) {
    return task.getIdentifier().stream()
        .filter(identifier -> FhirCodes.REFERRAL_ID.equals(identifier.getSystem()))
        .map(Identifier::getValue)
        .filter(value -> value != null && !value.isBlank())
        .findFirst()
        .orElse(null);
  }

  static String reference(Task task) {
    return "Task/" + task.getIdElement().getIdPart();
  }
}
