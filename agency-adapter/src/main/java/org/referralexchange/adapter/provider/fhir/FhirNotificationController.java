package org.referralexchange.adapter.provider.fhir;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.adapter.apidoc.CallbackApiDocumentation;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStateSink;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Where FHIR providers' servers notify the Subscriptions {@link FhirSubscriptions} made: {@code
 * POST /fhir/notifications/{providerId}}, an R4 backport notification Bundle with {@code id-only}
 * content. The bearer secret the Subscription declared is checked before the body is read; then
 * each Task named in a {@code notification-event}'s {@code focus} is read from the provider and
 * judged exactly as a polled Task is ({@link FhirProviderAdapter#read}, then the {@link
 * ProviderStateSink}). Handshakes and heartbeats are answered 200 and change nothing.
 */
@RestController
@ConditionalOnProperty(
    prefix = "exchange.adapters.fhir",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
class FhirNotificationController {

  static final String UNKNOWN_PROVIDER = "unknown-provider";
  static final String UNAUTHORIZED = "notification-unauthorized";
  static final String MALFORMED = "malformed-notification";
  static final String UNAVAILABLE = "notification-unavailable";

  /** More Tasks than this in one notification is not a notification of ours. */
  private static final int MAX_FOCUS = 100;

  private static final Logger log = LoggerFactory.getLogger(FhirNotificationController.class);

  private final FhirSubscriptions subscriptions;
  private final FhirProviders providers;
  private final FhirProviderAdapter fhir;
  private final ProviderStateSink sink;

  FhirNotificationController(
      FhirSubscriptions subscriptions,
      FhirProviders providers,
      FhirProviderAdapter fhir,
      ProviderStateSink sink) {
    this.subscriptions = subscriptions;
    this.providers = providers;
    this.fhir = fhir;
    this.sink = sink;
  }

  @Operation(
      operationId = "notifyTaskChanged",
      summary = "Notify that a referral's FHIR Task changed",
      description =
          "An R4 Subscriptions Backport notification Bundle (`id-only`) from a FHIR provider's"
              + " server, for a Subscription the exchange made. The exchange reads each Task the"
              + " notification names from the provider and judges it as a polled one; handshakes"
              + " and heartbeats are answered 200 and change nothing.",
      tags = CallbackApiDocumentation.FHIR_PROVIDERS,
      security = @SecurityRequirement(name = FhirNotificationDocumentation.SUBSCRIPTION_BEARER))
  @PostMapping(FhirSubscriptions.NOTIFICATION_PATH + "{providerId}")
  ResponseEntity<?> notification(
      @Parameter(description = "The provider's id in the exchange's configuration.") @PathVariable
          String providerId,
      @Parameter(hidden = true) @RequestHeader HttpHeaders headers,
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              description =
                  "A FHIR R4 Bundle of type `history` whose first entry is the"
                      + " SubscriptionStatus (Parameters), in JSON or XML.",
              content = {
                @Content(
                    mediaType = "application/fhir+json",
                    schema = @Schema(type = "object", description = "A FHIR R4 Bundle")),
                @Content(
                    mediaType = "application/fhir+xml",
                    schema = @Schema(type = "string", description = "A FHIR R4 Bundle"))
              })
          @RequestBody(required = false)
          byte[] body) {
    if (!subscriptions.serves(providerId)) {
      return problem(
          HttpStatus.NOT_FOUND,
          UNKNOWN_PROVIDER,
          "Unknown provider",
          "No FHIR provider with subscriptions has this id.");
    }
    if (!subscriptions.authorized(providerId, headers.getFirst(HttpHeaders.AUTHORIZATION))) {
      log.warn("Refused a FHIR notification for provider {}: bad or missing secret", providerId);
      return problem(
          HttpStatus.UNAUTHORIZED,
          UNAUTHORIZED,
          "Notification not authorized",
          "The Authorization header does not carry the secret of a Subscription of ours.");
    }
    ProviderSettings provider = providers.fhirProvider(providerId).orElseThrow();
    Set<String> tasks;
    try {
      tasks = focusedTasks(parse(headers, body));
    } catch (DataFormatException | ClassCastException | IllegalArgumentException e) {
      return problem(
          HttpStatus.BAD_REQUEST,
          MALFORMED,
          "Malformed notification",
          "The body is not a FHIR R4 subscription notification Bundle.");
    }
    try {
      for (String taskId : tasks) {
        record(provider, taskId);
      }
      return ResponseEntity.ok().build();
    } catch (ProviderUnavailableException e) {
      log.info("FHIR notification of provider {} not recorded now: {}", providerId, e.getMessage());
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
          .header(HttpHeaders.RETRY_AFTER, "5")
          .body(
              detail(
                  HttpStatus.SERVICE_UNAVAILABLE,
                  UNAVAILABLE,
                  "Notification not recorded",
                  "The exchange could not read or record the Task now; send it again later."));
    }
  }

  private Bundle parse(HttpHeaders headers, byte[] body) {
    if (body == null || body.length == 0) {
      throw new IllegalArgumentException("empty");
    }
    String type = String.valueOf(headers.getContentType());
    IParser parser =
        type.contains("xml") ? fhir.context().newXmlParser() : fhir.context().newJsonParser();
    return parser.parseResource(Bundle.class, new String(body, StandardCharsets.UTF_8));
  }

  /**
   * The ids of the Tasks an event notification names, from its SubscriptionStatus's {@code
   * notification-event.focus} (else, as earlier backport versions put it, the other entries'
   * fullUrls). Empty for handshakes and heartbeats.
   */
  private static Set<String> focusedTasks(Bundle bundle) {
    if (bundle.getType() != Bundle.BundleType.HISTORY
        || !(bundle.getEntryFirstRep().getResource() instanceof Parameters status)) {
      throw new IllegalArgumentException("not a notification");
    }
    var type = status.getParameter("type");
    String kind = type == null || type.getValue() == null ? "" : type.getValue().primitiveValue();
    Set<String> tasks = new LinkedHashSet<>();
    if (!"event-notification".equals(kind) && !"query-event".equals(kind)) {
      return tasks;
    }
    for (var parameter : status.getParameter()) {
      if ("notification-event".equals(parameter.getName())) {
        for (var part : parameter.getPart()) {
          if ("focus".equals(part.getName()) && part.getValue() instanceof Reference focus) {
            addTask(tasks, focus.getReference());
          }
        }
      }
    }
    if (tasks.isEmpty()) {
      bundle.getEntry().stream().skip(1).forEach(entry -> addTask(tasks, entry.getFullUrl()));
    }
    if (tasks.size() > MAX_FOCUS) {
      throw new IllegalArgumentException("too many");
    }
    return tasks;
  }

  private static void addTask(Set<String> tasks, String reference) {
    if (reference == null) {
      return;
    }
    IdType id = new IdType(reference);
    if ("Task".equals(id.getResourceType()) && id.hasIdPart()) {
      tasks.add(id.getIdPart());
    }
  }

  /** Reads the Task and records what it reports, as a poll does. */
  private void record(ProviderSettings provider, String taskId) {
    Task task;
    try {
      task = fhir.clientFor(provider).read().resource(Task.class).withId(taskId).execute();
    } catch (ResourceNotFoundException | ResourceGoneException gone) {
      return;
    } catch (BaseServerResponseException | DataFormatException e) {
      throw new ProviderUnavailableException(
          "FHIR provider " + provider.id() + ": reading a notified Task failed", null);
    }
    String referralId =
        task.getIdentifier().stream()
            .filter(identifier -> FhirCodes.REFERRAL_ID.equals(identifier.getSystem()))
            .map(identifier -> identifier.getValue())
            .findFirst()
            .orElse(null);
    if (referralId == null || cancelledByTheExchange(task)) {
      return; // not a referral of ours, or our own withdrawal coming back
    }
    ProviderStatusUpdate update;
    try {
      update = fhir.read(provider, fhir.clientFor(provider), referralId, task);
    } catch (ProviderRejectedException e) {
      log.info("Notified Task for referral {} could not be read: {}", referralId, e.getMessage());
      return;
    }
    if (update == null) {
      return;
    }
    // Judged as a polled update: a refusal is reported once per Task version, not to the provider.
    sink.report(provider, update);
    log.info(
        "FHIR provider {} notified {} for referral {}", provider.id(), update.status(), referralId);
  }

  private static boolean cancelledByTheExchange(Task task) {
    return task.getStatus() == Task.TaskStatus.CANCELLED
        && task.getStatusReason().getCoding().stream()
            .anyMatch(coding -> FhirCodes.STATUS_REASON.equals(coding.getSystem()));
  }

  private static ResponseEntity<ProblemDetail> problem(
      HttpStatus status, String slug, String title, String detail) {
    return ResponseEntity.status(status).body(detail(status, slug, title, detail));
  }

  private static ProblemDetail detail(HttpStatus status, String slug, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create("/problems/" + slug));
    problem.setTitle(title);
    return problem;
  }
}
