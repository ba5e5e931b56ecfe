package org.referralexchange.adapter.provider.fhir;

import static org.referralexchange.adapter.provider.fhir.FhirClients.describe;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reminds a provider of an unanswered referral with a note on its Task, never over its answer. */
final class TaskReminders {

  // Under the adapter's name, as before the adapter was split: operators' filters keep working.
  private static final Logger log = LoggerFactory.getLogger(FhirProviderAdapter.class);

  private TaskReminders() {}

  /**
   * Adds a note with the due time (in the provider's zone) to the Task and writes it back with
   * {@code If-Match} on the version read, so a provider's concurrent answer is never overwritten;
   * on a version conflict it reads again.
   */
  static void remind(
      ProviderSettings provider,
      IGenericClient client,
      TrackedReferral referral,
      Instant respondBy) {
    String due =
        respondBy == null
            ? "as soon as possible"
            : respondBy
                .truncatedTo(ChronoUnit.SECONDS)
                .atZone(zone(provider))
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    for (int attempt = 1; attempt <= ProviderTasks.UPDATE_ATTEMPTS; attempt++) {
      Task task =
          ProviderTasks.find(provider, client, referral, "remind")
              .orElseThrow(
                  () ->
                      new ProviderRejectedException(
                          describe(provider, "remind", referral.referralId())
                              + " failed: the provider has no Task for it",
                          null));
      task.addNote(
          new Annotation()
              .setAuthor(new StringType("Referral exchange"))
              .setTimeElement(new DateTimeType(new Date()))
              .setText("Reminder: answer due by " + due));
      if (ProviderTasks.update(provider, client, referral.referralId(), "remind", task)) {
        return;
      }
      log.info(
          "Task for referral {} at FHIR provider {} changed while we wrote it; reading again",
          referral.referralId(),
          provider.id());
    }
    throw new ProviderUnavailableException(
        describe(provider, "remind", referral.referralId())
            + " failed: the Task kept changing (version conflict)",
        null);
  }

  private static ZoneId zone(ProviderSettings provider) {
    return provider.zone() == null ? ZoneOffset.UTC : provider.zone();
  }
}
