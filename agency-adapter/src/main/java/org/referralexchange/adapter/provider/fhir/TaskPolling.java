package org.referralexchange.adapter.provider.fhir;

import static org.referralexchange.adapter.provider.fhir.FhirClients.call;
import static org.referralexchange.adapter.provider.fhir.FhirClients.describe;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.events.v1.ReferralStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the providers' answers back: the poll's one search, and what each Task found reports. */
final class TaskPolling {

  /** A search that pages on past this is a server that loops; the poll fails instead. */
  private static final int MAX_PAGES = 1_000;

  // Under the adapter's name, as before the adapter was split: operators' filters keep working.
  private static final Logger log = LoggerFactory.getLogger(FhirProviderAdapter.class);

  private final FhirClients clients;

  /** Per provider and endpoint: what its next poll asks for (see {@link PollWindow}). */
  private final ConcurrentMap<String, PollWindow> windows = new ConcurrentHashMap<>();

  private final Duration overlap;

  TaskPolling(FhirClients clients, Duration overlap) {
    this.clients = clients;
    this.overlap = overlap;
  }

  /**
   * One search per poll, whatever the number of open referrals: {@code Task?identifier=<referral-id
   * system>|&_lastUpdated=gt<since>} (see {@link PollWindow}), following {@code Bundle.link} next
   * pages. Each Task found is matched to its referral by the exchange's identifier; a Task version
   * reported by an earlier poll reports nothing. Tasks of referrals that are no longer open are
   * reported too (a completed referral's Task edited afterwards): the core judges each update.
   */
  List<ProviderStatusUpdate> poll(ProviderSettings provider, Collection<TrackedReferral> open) {
    Collection<TrackedReferral> followed = open == null ? List.of() : open;
    PollWindow window =
        windows.computeIfAbsent(
            provider.id() + "\u0000" + provider.endpoint(), key -> new PollWindow(overlap));
    if (!window.worthSearching(followed)) {
      return List.of();
    }
    IGenericClient client = clients.client(provider);
    var query =
        client
            .search()
            .forResource(Task.class)
            .where(Task.IDENTIFIER.hasSystemWithAnyCode(FhirCodes.REFERRAL_ID));
    Optional<Instant> since = window.since(followed);
    if (since.isPresent()) {
      InstantType bound = new InstantType(Date.from(since.get()));
      bound.setTimeZoneZulu(true);
      query =
          query.lastUpdated(new DateRangeParam(new DateParam(ParamPrefixEnum.GREATERTHAN, bound)));
    }
    var search = query.returnBundle(Bundle.class);
    Bundle page = call(provider, "poll", null, search::execute);
    List<ProviderStatusUpdate> updates = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    Instant newest = null;
    for (int pages = 1; ; pages++) {
      for (Bundle.BundleEntryComponent entry : page.getEntry()) {
        if (!(entry.getResource() instanceof Task task)) {
          continue;
        }
        Instant lastUpdated =
            task.getMeta().getLastUpdated() == null
                ? null
                : task.getMeta().getLastUpdated().toInstant();
        if (lastUpdated != null && (newest == null || lastUpdated.isAfter(newest))) {
          newest = lastUpdated;
        }
        String referralId = ProviderTasks.referralId(task);
        if (referralId == null) {
          continue;
        }
        String version =
            PollWindow.versionKey(
                ProviderTasks.reference(task), TaskReading.version(task), lastUpdated);
        seen.put(referralId, version);
        if (window.reported(referralId, version)) {
          continue;
        }
        ProviderStatusUpdate update = read(provider, client, referralId, task);
        if (update != null) {
          updates.add(update);
        }
      }
      if (page.getLink(Bundle.LINK_NEXT) == null) {
        break;
      }
      if (pages >= MAX_PAGES) {
        throw new ProviderUnavailableException(
            describe(provider, "poll", null) + " failed: more than " + MAX_PAGES + " pages", null);
      }
      Bundle current = page;
      page = call(provider, "poll", null, () -> client.loadPage().next(current).execute());
    }
    window.advance(newest, followed, seen);
    return updates;
  }

  /**
   * What a Task of the provider reports, as a poll and a subscription notification both read it:
   * the Procedures its outputs reference are read for the outcome, and a completed Task completes
   * its ServiceRequest. Null when it reports nothing.
   */
  ProviderStatusUpdate read(
      ProviderSettings provider, IGenericClient client, String referralId, Task task) {
    ProviderStatusUpdate update =
        TaskReading.update(
            referralId,
            ProviderTasks.reference(task),
            task,
            procedures(provider, client, referralId));
    if (update != null && update.status() == ReferralStatus.COMPLETED) {
      completeFocus(provider, client, referralId, task);
    }
    return update;
  }

  /**
   * After the provider completed the Task, completes the ServiceRequest it fulfils (the requester
   * owns the request's status). Best effort, with {@code If-Match}: the completed Task is what the
   * exchange records, so a refusal here is logged, not raised.
   */
  private static void completeFocus(
      ProviderSettings provider, IGenericClient client, String referralId, Task task) {
    try {
      ServiceRequest request =
          ProviderTasks.readFocus(provider, client, referralId, task, "complete");
      if (request == null
          || request.getStatus() == ServiceRequest.ServiceRequestStatus.COMPLETED
          || !ProviderTasks.revocable(request.getStatus())) {
        return;
      }
      request.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
      if (!ProviderTasks.update(provider, client, referralId, "complete", request)) {
        log.info(
            "ServiceRequest of referral {} at FHIR provider {} changed meanwhile; left as it is",
            referralId,
            provider.id());
      }
    } catch (ProviderUnavailableException | ProviderRejectedException e) {
      log.warn(
          "Referral {} completed at FHIR provider {} but its ServiceRequest was not: {}",
          referralId,
          provider.id(),
          e.getMessage());
    }
  }

  /**
   * Reads the Procedures a Task's outputs reference, for {@link TaskReading}: one read each, only
   * for literal {@code Procedure/<id>} references; a Procedure the server does not have is left out
   * (the output's display, if any, still describes it).
   */
  private static Function<Reference, Optional<Procedure>> procedures(
      ProviderSettings provider, IGenericClient client, String referralId) {
    return reference -> {
      IdType id = new IdType(reference.getReference());
      if (!"Procedure".equals(id.getResourceType()) || !id.hasIdPart()) {
        return Optional.empty();
      }
      return Optional.ofNullable(
          call(
              provider,
              "poll",
              referralId,
              () -> {
                try {
                  return client.read().resource(Procedure.class).withId(id.getIdPart()).execute();
                } catch (ResourceNotFoundException | ResourceGoneException gone) {
                  return null;
                }
              }));
    };
  }
}
