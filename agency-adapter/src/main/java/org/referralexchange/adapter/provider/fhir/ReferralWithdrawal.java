package org.referralexchange.adapter.provider.fhir;

import static org.referralexchange.adapter.provider.fhir.FhirClients.call;
import static org.referralexchange.adapter.provider.fhir.FhirClients.describe;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Withdraws a referral in one transaction, so the provider never sees half a withdrawal. */
final class ReferralWithdrawal {

  // Under the adapter's name, as before the adapter was split: operators' filters keep working.
  private static final Logger log = LoggerFactory.getLogger(FhirProviderAdapter.class);

  private ReferralWithdrawal() {}

  /**
   * Cancels the Task and revokes its ServiceRequest in one transaction, each a PUT with {@code
   * If-Match} on the version read, so neither overwrites an answer the provider gave meanwhile and
   * the provider never sees one without the other; on a version conflict it reads again. A
   * withdrawal for a revoked consent also makes the referral's Consent inactive in the same
   * transaction. The Task carries the real reason, coded and in words.
   */
  static void withdraw(
      ProviderSettings provider,
      IGenericClient client,
      TrackedReferral referral,
      String reasonCode,
      String reasonText) {
    String id = referral.referralId();
    for (int attempt = 1; attempt <= ProviderTasks.UPDATE_ATTEMPTS; attempt++) {
      Task task =
          ProviderTasks.find(provider, client, referral, "withdraw")
              .orElseThrow(
                  () ->
                      new ProviderRejectedException(
                          describe(provider, "withdraw", id)
                              + " failed: the provider has no Task for it",
                          null));
      if (TaskReading.terminal(task.getStatus())) {
        log.info(
            "Referral {} at FHIR provider {} is already {}; nothing to withdraw",
            id,
            provider.id(),
            task.getStatus().toCode());
        return;
      }
      CodeableConcept reason =
          new CodeableConcept()
              .setText(reasonText == null || reasonText.isBlank() ? "Withdrawn" : reasonText);
      if (reasonCode != null && !reasonCode.isBlank()) {
        reason.addCoding(new Coding(FhirCodes.STATUS_REASON, reasonCode, null));
      }
      task.setStatus(Task.TaskStatus.CANCELLED);
      task.setStatusReason(reason);
      task.setLastModifiedElement(ReferralTranslator.dateTime(Instant.now()));

      Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
      addUpdate(transaction, task);
      ServiceRequest request = ProviderTasks.readFocus(provider, client, id, task, "withdraw");
      if (request != null && ProviderTasks.revocable(request.getStatus())) {
        request.setStatus(ServiceRequest.ServiceRequestStatus.REVOKED);
        addUpdate(transaction, request);
      }
      if (FhirCodes.CONSENT_REVOKED.equals(reasonCode) && request != null) {
        for (Consent consent : readConsents(provider, client, id, request)) {
          if (consent.getStatus() == Consent.ConsentState.ACTIVE) {
            consent.setStatus(Consent.ConsentState.INACTIVE);
            addUpdate(transaction, consent);
          }
        }
      }
      if (execute(provider, client, id, transaction)) {
        return;
      }
      log.info(
          "Task for referral {} at FHIR provider {} changed while we withdrew it; reading again",
          id,
          provider.id());
    }
    throw new ProviderUnavailableException(
        describe(provider, "withdraw", id) + " failed: the Task kept changing (version conflict)",
        null);
  }

  /** The Consents the ServiceRequest names as its supporting information (literal references). */
  private static List<Consent> readConsents(
      ProviderSettings provider, IGenericClient client, String referralId, ServiceRequest request) {
    List<Consent> consents = new ArrayList<>();
    for (Reference info : request.getSupportingInfo()) {
      IdType id = new IdType(info.getReference());
      if (!"Consent".equals(id.getResourceType()) || !id.hasIdPart()) {
        continue;
      }
      Consent consent =
          call(
              provider,
              "withdraw",
              referralId,
              () -> {
                try {
                  return client.read().resource(Consent.class).withId(id.getIdPart()).execute();
                } catch (ResourceNotFoundException | ResourceGoneException gone) {
                  return null;
                }
              });
      if (consent != null) {
        consents.add(consent);
      }
    }
    return consents;
  }

  /** A PUT of the resource as read, conditional on the version read. */
  private static void addUpdate(Bundle transaction, Resource resource) {
    IdType id = resource.getIdElement();
    Bundle.BundleEntryRequestComponent request =
        transaction
            .addEntry()
            .setFullUrl(resource.fhirType() + "/" + id.getIdPart())
            .setResource(resource)
            .getRequest()
            .setMethod(Bundle.HTTPVerb.PUT)
            .setUrl(resource.fhirType() + "/" + id.getIdPart());
    if (id.hasVersionIdPart()) {
      request.setIfMatch("W/\"" + id.getVersionIdPart() + "\"");
    }
  }

  /** Runs the transaction; false on a version conflict (HTTP 409/412), to read again. */
  private static boolean execute(
      ProviderSettings provider, IGenericClient client, String referralId, Bundle transaction) {
    return call(
        provider,
        "withdraw",
        referralId,
        () -> {
          try {
            client.transaction().withBundle(transaction).execute();
            return true;
          } catch (PreconditionFailedException | ResourceVersionConflictException conflict) {
            return false;
          }
        });
  }
}
