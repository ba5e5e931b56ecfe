package org.referralexchange.adapter.provider.fhir;

import static org.referralexchange.adapter.provider.fhir.FhirClients.call;
import static org.referralexchange.adapter.provider.fhir.FhirClients.describe;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers a referral as one transaction and finds the Task it created, for the receipt. */
final class ReferralDelivery {

  // Under the adapter's name, as before the adapter was split: operators' filters keep working.
  private static final Logger log = LoggerFactory.getLogger(FhirProviderAdapter.class);

  private final ProviderOrganizations organizations = new ProviderOrganizations();

  DeliveryReceipt deliver(
      ProviderSettings provider, IGenericClient client, OutboundReferral referral) {
    String organization = organizations.reference(provider, client, referral.referralId());
    Bundle transaction = ReferralTranslator.transaction(provider, referral, organization);
    Bundle response =
        call(
            provider,
            "deliver",
            referral.referralId(),
            () -> client.transaction().withBundle(transaction).execute());
    String reference = taskReference(response, ReferralTranslator.taskEntry(transaction));
    if (reference == null) {
      // The server did not say where the Task is: find it by the referral id.
      reference =
          ProviderTasks.find(
                  provider, client, new TrackedReferral(referral.referralId(), null), "deliver")
              .map(ProviderTasks::reference)
              .orElseThrow(
                  () ->
                      new ProviderUnavailableException(
                          describe(provider, "deliver", referral.referralId())
                              + " failed: the transaction answer names no Task",
                          null));
    }
    log.info(
        "Delivered referral {} to FHIR provider {} as {}",
        referral.referralId(),
        provider.id(),
        reference);
    return new DeliveryReceipt(reference);
  }

  /**
   * {@code Task/<id>} from the transaction answer: the Task entry's location, else any entry's that
   * names a Task, else a Task resource returned.
   */
  private static String taskReference(Bundle response, int taskEntry) {
    if (response == null) {
      return null;
    }
    List<Bundle.BundleEntryComponent> entries = new ArrayList<>();
    if (taskEntry >= 0 && response.getEntry().size() > taskEntry) {
      entries.add(response.getEntry().get(taskEntry));
    }
    entries.addAll(response.getEntry());
    for (Bundle.BundleEntryComponent entry : entries) {
      if (entry.getResponse().hasLocation()) {
        IdType location = new IdType(entry.getResponse().getLocation());
        if ("Task".equals(location.getResourceType()) && location.hasIdPart()) {
          return "Task/" + location.getIdPart();
        }
      }
      if (entry.getResource() instanceof Task task && task.getIdElement().hasIdPart()) {
        return ProviderTasks.reference(task);
      }
    }
    return null;
  }
}
