package org.referralexchange.adapter.provider.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.IRestfulClientFactory;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.ProviderAdapter;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.events.v1.ReferralStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The {@code fhir} provider kind: a provider that runs a FHIR R4 server receives each referral as a
 * Gravity SDOHCC ServiceRequest + Task (one transaction of conditional creates, so redelivery
 * creates nothing new) and answers by updating the Task, which {@link #poll} reads back.
 *
 * <p>Stateless apart from one {@link FhirContext} (expensive to build), one HAPI client per
 * endpoint and credential, and each provider's {@link PollWindow}. Log lines and exception messages
 * name the provider, the referral id and the HTTP status only: never a response body, which may
 * echo client data.
 */
@Component
@ConditionalOnProperty(
    prefix = "exchange.adapters.fhir",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class FhirProviderAdapter implements ProviderAdapter {

  static final String KIND = "fhir";

  /** A slow provider fails fast; the core's retry takes over. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);

  /** A search that pages on past this is a server that loops; the poll fails instead. */
  private static final int MAX_PAGES = 1_000;

  /** Read-modify-write attempts when the provider changes the Task under us (HTTP 409/412). */
  private static final int UPDATE_ATTEMPTS = 3;

  private static final Logger log = LoggerFactory.getLogger(FhirProviderAdapter.class);

  private final FhirContext fhir;
  private final ConcurrentMap<ClientKey, IGenericClient> clients = new ConcurrentHashMap<>();

  /** Each provider's own Organization as found at its server, by provider and server. */
  private final ConcurrentMap<OrganizationKey, String> organizations = new ConcurrentHashMap<>();

  /** Per provider and endpoint: what its next poll asks for (see {@link PollWindow}). */
  private final ConcurrentMap<String, PollWindow> windows = new ConcurrentHashMap<>();

  private final Duration overlap;

  public FhirProviderAdapter() {
    this(CONNECT_TIMEOUT, SOCKET_TIMEOUT);
  }

  FhirProviderAdapter(Duration connectTimeout, Duration socketTimeout) {
    this(connectTimeout, socketTimeout, PollWindow.OVERLAP);
  }

  FhirProviderAdapter(Duration connectTimeout, Duration socketTimeout, Duration overlap) {
    this.overlap = overlap;
    this.fhir = FhirContext.forR4();
    IRestfulClientFactory factory = fhir.getRestfulClientFactory();
    factory.setConnectTimeout(millis(connectTimeout));
    factory.setConnectionRequestTimeout(millis(connectTimeout));
    factory.setSocketTimeout(millis(socketTimeout));
    // No CapabilityStatement fetch before the first call: one request per operation, no surprises.
    factory.setServerValidationMode(ServerValidationModeEnum.NEVER);
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public DeliveryReceipt deliver(ProviderSettings provider, OutboundReferral referral) {
    IGenericClient client = client(provider);
    String organization = providerOrganization(provider, client, referral.referralId());
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
          findTask(provider, client, new TrackedReferral(referral.referralId(), null), "deliver")
              .map(FhirProviderAdapter::reference)
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
   * The literal reference of the provider's own Organization: as configured, else as found by the
   * exchange's provider identifier at its server (kept per provider and server, since it does not
   * move), else null, and the transaction creates it conditionally.
   */
  private String providerOrganization(
      ProviderSettings provider, IGenericClient client, String referralId) {
    if (provider.organization() != null && !provider.organization().isBlank()) {
      return provider.organization();
    }
    if (provider.id() == null || provider.id().isBlank()) {
      return null;
    }
    OrganizationKey key = new OrganizationKey(provider.id(), String.valueOf(provider.endpoint()));
    String known = organizations.get(key);
    if (known != null) {
      return known;
    }
    Bundle found =
        call(
            provider,
            "deliver",
            referralId,
            () ->
                client
                    .search()
                    .forResource(Organization.class)
                    .where(
                        Organization.IDENTIFIER
                            .exactly()
                            .systemAndCode(FhirCodes.PROVIDER_ID, provider.id()))
                    .returnBundle(Bundle.class)
                    .execute());
    Optional<String> reference =
        found.getEntry().stream()
            .map(Bundle.BundleEntryComponent::getResource)
            .filter(Organization.class::isInstance)
            .map(resource -> "Organization/" + resource.getIdElement().getIdPart())
            .findFirst();
    reference.ifPresent(value -> organizations.put(key, value));
    return reference.orElse(null);
  }

  /**
   * One search per poll, whatever the number of open referrals: {@code Task?identifier=<referral-id
   * system>|&_lastUpdated=gt<since>} (see {@link PollWindow}), following {@code Bundle.link} next
   * pages. Each Task found is matched to its referral by the exchange's identifier; a Task version
   * reported by an earlier poll reports nothing. Tasks of referrals that are no longer open are
   * reported too (a completed referral's Task edited afterwards): the core judges each update.
   */
  @Override
  public List<ProviderStatusUpdate> poll(
      ProviderSettings provider, Collection<TrackedReferral> open) {
    Collection<TrackedReferral> followed = open == null ? List.of() : open;
    PollWindow window =
        windows.computeIfAbsent(
            provider.id() + "\u0000" + provider.endpoint(), key -> new PollWindow(overlap));
    if (!window.worthSearching(followed)) {
      return List.of();
    }
    IGenericClient client = client(provider);
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
        String referralId = referralId(task);
        if (referralId == null) {
          continue;
        }
        String version =
            PollWindow.versionKey(reference(task), TaskReading.version(task), lastUpdated);
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
            referralId, reference(task), task, procedures(provider, client, referralId));
    if (update != null && update.status() == ReferralStatus.COMPLETED) {
      completeFocus(provider, client, referralId, task);
    }
    return update;
  }

  /** The exchange's referral id on a Task (its identifier under {@link FhirCodes#REFERRAL_ID}). */
  private static String referralId(Task task) {
    return task.getIdentifier().stream()
        .filter(identifier -> FhirCodes.REFERRAL_ID.equals(identifier.getSystem()))
        .map(org.hl7.fhir.r4.model.Identifier::getValue)
        .filter(value -> value != null && !value.isBlank())
        .findFirst()
        .orElse(null);
  }

  /**
   * Cancels the Task and revokes its ServiceRequest in one transaction, each a PUT with {@code
   * If-Match} on the version read, so neither overwrites an answer the provider gave meanwhile and
   * the provider never sees one without the other; on a version conflict it reads again. A
   * withdrawal for a revoked consent also makes the referral's Consent inactive in the same
   * transaction. The Task carries the real reason, coded and in words.
   */
  @Override
  public void withdraw(
      ProviderSettings provider, TrackedReferral referral, String reasonCode, String reasonText) {
    IGenericClient client = client(provider);
    String id = referral.referralId();
    for (int attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
      Task task =
          findTask(provider, client, referral, "withdraw")
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
      ServiceRequest request = readFocus(provider, client, id, task, "withdraw");
      if (request != null && revocable(request.getStatus())) {
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
      if (execute(provider, client, id, "withdraw", transaction)) {
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

  /**
   * After the provider completed the Task, completes the ServiceRequest it fulfils (the requester
   * owns the request's status). Best effort, with {@code If-Match}: the completed Task is what the
   * exchange records, so a refusal here is logged, not raised.
   */
  void completeFocus(
      ProviderSettings provider, IGenericClient client, String referralId, Task task) {
    try {
      ServiceRequest request = readFocus(provider, client, referralId, task, "complete");
      if (request == null
          || request.getStatus() == ServiceRequest.ServiceRequestStatus.COMPLETED
          || !revocable(request.getStatus())) {
        return;
      }
      request.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
      if (!update(provider, client, referralId, "complete", request)) {
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
  Function<Reference, Optional<Procedure>> procedures(
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

  private static boolean revocable(ServiceRequest.ServiceRequestStatus status) {
    return status == ServiceRequest.ServiceRequestStatus.ACTIVE
        || status == ServiceRequest.ServiceRequestStatus.ONHOLD
        || status == ServiceRequest.ServiceRequestStatus.DRAFT;
  }

  /** The ServiceRequest the Task focuses on, or null when its focus is not a literal one. */
  private ServiceRequest readFocus(
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

  /** The Consents the ServiceRequest names as its supporting information (literal references). */
  private List<Consent> readConsents(
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
  private boolean execute(
      ProviderSettings provider,
      IGenericClient client,
      String referralId,
      String operation,
      Bundle transaction) {
    return call(
        provider,
        operation,
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

  @Override
  public void remind(ProviderSettings provider, TrackedReferral referral, Instant respondBy) {
    String due =
        respondBy == null
            ? "as soon as possible"
            : respondBy
                .truncatedTo(ChronoUnit.SECONDS)
                .atZone(zone(provider))
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    modifyTask(
        provider,
        client(provider),
        referral,
        "remind",
        task -> {
          task.addNote(
              new Annotation()
                  .setAuthor(new StringType("Referral exchange"))
                  .setTimeElement(new DateTimeType(new Date()))
                  .setText("Reminder: answer due by " + due));
          return true;
        });
  }

  /**
   * Reads the Task, lets {@code change} edit it and writes it back with {@code If-Match} on the
   * version read, so a provider's concurrent answer is never overwritten; on a version conflict it
   * reads again. Returns the Task written, or empty when {@code change} said there is nothing to
   * do.
   */
  private Optional<Task> modifyTask(
      ProviderSettings provider,
      IGenericClient client,
      TrackedReferral referral,
      String operation,
      Predicate<Task> change) {
    for (int attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
      Task task =
          findTask(provider, client, referral, operation)
              .orElseThrow(
                  () ->
                      new ProviderRejectedException(
                          describe(provider, operation, referral.referralId())
                              + " failed: the provider has no Task for it",
                          null));
      if (!change.test(task)) {
        return Optional.empty();
      }
      if (update(provider, client, referral.referralId(), operation, task)) {
        return Optional.of(task);
      }
      log.info(
          "Task for referral {} at FHIR provider {} changed while we wrote it; reading again",
          referral.referralId(),
          provider.id());
    }
    throw new ProviderUnavailableException(
        describe(provider, operation, referral.referralId())
            + " failed: the Task kept changing (version conflict)",
        null);
  }

  /** Writes the resource back; false on a version conflict (HTTP 409/412). */
  private boolean update(
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

  /**
   * The Task for a tracked referral: read by its reference, else (no reference, or one that is not
   * a Task) searched by the referral identifier. Empty when the provider has none (404/410).
   */
  private Optional<Task> findTask(
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
        return reference(task);
      }
    }
    return null;
  }

  private static String reference(Task task) {
    return "Task/" + task.getIdElement().getIdPart();
  }

  /**
   * Runs one call to the provider and translates HAPI's failures into the SPI's: connection
   * trouble, timeouts, 5xx, 408 and 429 may pass; other 4xx and 3xx will not. The HAPI exception is
   * not kept as the cause, since its message carries the response body.
   */
  private <T> T call(
      ProviderSettings provider, String operation, String referralId, Supplier<T> action) {
    try {
      return action.get();
    } catch (FhirClientConnectionException e) {
      throw new ProviderUnavailableException(
          describe(provider, operation, referralId) + " failed: provider unreachable or too slow",
          transportCause(e));
    } catch (BaseServerResponseException e) {
      int status = e.getStatusCode();
      String message = describe(provider, operation, referralId) + " failed: HTTP " + status;
      // 0 or 2xx here means an answer HAPI could not use (not FHIR): worth another try.
      if (status == 408 || status == 429 || status >= 500 || status < 300) {
        throw new ProviderUnavailableException(message, null);
      }
      throw new ProviderRejectedException(message, null);
    } catch (DataFormatException e) {
      throw new ProviderUnavailableException(
          describe(provider, operation, referralId) + " failed: the answer is not valid FHIR",
          null);
    }
  }

  /** The network-level cause (connection refused, read timed out): safe to keep, no payload. */
  private static Throwable transportCause(Throwable e) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof IOException) {
        return cause;
      }
    }
    return null;
  }

  private static String describe(ProviderSettings provider, String operation, String referralId) {
    if (referralId == null) {
      return "FHIR provider " + provider.id() + ": " + operation;
    }
    return "FHIR provider " + provider.id() + ": " + operation + " of referral " + referralId;
  }

  /** The HAPI client for this provider (endpoint and bearer token), for the subscription side. */
  IGenericClient clientFor(ProviderSettings provider) {
    return client(provider);
  }

  /** The one FHIR context, for parsing what providers send. */
  FhirContext context() {
    return fhir;
  }

  private IGenericClient client(ProviderSettings provider) {
    if (provider.endpoint() == null) {
      throw new ProviderRejectedException(
          "FHIR provider " + provider.id() + " has no endpoint configured", null);
    }
    String token =
        provider.secret() == null || provider.secret().isBlank() ? null : provider.secret();
    String base = provider.endpoint().toString();
    // A rotated token replaces the client that carried the old one.
    clients
        .keySet()
        .removeIf(key -> key.base().equals(base) && !Objects.equals(key.token(), token));
    return clients.computeIfAbsent(new ClientKey(base, token), this::newClient);
  }

  private IGenericClient newClient(ClientKey key) {
    IGenericClient client = fhir.newRestfulGenericClient(key.base());
    client.setEncoding(EncodingEnum.JSON);
    if (key.token() != null) {
      client.registerInterceptor(new BearerTokenAuthInterceptor(key.token()));
    }
    return client;
  }

  private static ZoneId zone(ProviderSettings provider) {
    return provider.zone() == null ? ZoneOffset.UTC : provider.zone();
  }

  private static int millis(Duration duration) {
    return Math.toIntExact(duration.toMillis());
  }

  private record OrganizationKey(String providerId, String base) {}

  /** One HAPI client per FHIR base and bearer token; a rotated token gets a new client. */
  private record ClientKey(String base, String token) {
    @Override
    public String toString() {
      return "ClientKey[" + base + "]";
    }
  }
}
