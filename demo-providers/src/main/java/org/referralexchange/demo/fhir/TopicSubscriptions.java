package org.referralexchange.demo.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * R4 topic-based subscriptions to Tasks, as the Subscriptions R5 Backport IG has a server offer
 * them and as Gravity SDOHCC names the topic: the CapabilityStatement lists {@code Subscription}
 * with the backport profile and the SDOHCC Task topic in the {@code
 * capabilitystatement-subscriptiontopic-canonical} extension; a client creates a {@code
 * Subscription} whose {@code criteria} is the topic (a {@code backport-filter-criteria} extension
 * may narrow it), channel {@code rest-hook}, payload {@code application/fhir+json} with {@code
 * backport-payload-content} {@code id-only}; the server makes it {@code active}, POSTs a {@code
 * handshake}, and on every Task created or changed that passes the filter POSTs an id-only
 * notification: a {@code history} Bundle whose first entry is the SubscriptionStatus {@code
 * Parameters} with a {@code notification-event} whose {@code focus} names the Task, and no Task
 * content. Each {@code channel.header} ("Name: value") is sent with every POST.
 *
 * <p>Filters understood: {@code owner}, {@code requester} (literal reference), {@code status} and
 * {@code code} ({@code system|code}); {@code _lastUpdated} is accepted and ignored. Anything else,
 * another topic, channel or payload content is refused (422), as a server says what it cannot do.
 */
final class TopicSubscriptions implements AutoCloseable {

  static final String TASK_TOPIC =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/SubscriptionTopic/Task";
  static final String BACKPORT =
      "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";
  static final String TOPIC_CANONICAL =
      BACKPORT + "capabilitystatement-subscriptiontopic-canonical";
  static final String SUBSCRIPTION_PROFILE = BACKPORT + "backport-subscription";
  static final String STATUS_PROFILE = BACKPORT + "backport-subscription-status-r4";
  static final String FILTER_CRITERIA = BACKPORT + "backport-filter-criteria";
  static final String PAYLOAD_CONTENT = BACKPORT + "backport-payload-content";
  static final String FHIR_JSON = "application/fhir+json";

  private static final Logger log = LoggerFactory.getLogger(TopicSubscriptions.class);
  private static final int ATTEMPTS = 3;

  private final FhirContext fhir;
  private final InMemoryFhirServer.Store store;
  private final Supplier<String> baseUrl;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** One thread: notifications of a subscription leave in the order of their events. */
  private final ScheduledExecutorService sender =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "fhir-subscription-notifier");
            thread.setDaemon(true);
            return thread;
          });

  private final Map<String, AtomicLong> events = new ConcurrentHashMap<>();
  private volatile boolean suspended;

  TopicSubscriptions(FhirContext fhir, InMemoryFhirServer.Store store, Supplier<String> baseUrl) {
    this.fhir = fhir;
    this.store = store;
    this.baseUrl = baseUrl;
    store.taskStored = this::taskStored;
  }

  /** Adds the Subscription endpoint and the CapabilityStatement declaration to the servlet. */
  void register(RestfulServer servlet) {
    servlet.registerProvider(new SubscriptionProvider());
    servlet.registerInterceptor(new Declaration());
  }

  void suspend(boolean suspend) {
    this.suspended = suspend;
  }

  @Override
  public void close() throws InterruptedException {
    sender.shutdownNow();
    sender.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Called under the store's lock: only decides and queues, never sends from here. */
  private void taskStored(Task task) {
    if (suspended) {
      return;
    }
    for (Subscription subscription : store.all(Subscription.class)) {
      if (subscription.getStatus() == Subscription.SubscriptionStatus.ACTIVE
          && matches(filter(subscription), task)) {
        String id = subscription.getIdElement().getIdPart();
        long number = events.computeIfAbsent(id, key -> new AtomicLong()).incrementAndGet();
        Bundle notification =
            notification(subscription, "event-notification", number, task.getIdElement());
        send(subscription, notification, 1);
      }
    }
  }

  private Bundle notification(
      Subscription subscription, String type, long eventNumber, IdType focus) {
    String subscriptionRef = "Subscription/" + subscription.getIdElement().getIdPart();
    Parameters status = new Parameters();
    status.setId(UUID.randomUUID().toString());
    status.getMeta().addProfile(STATUS_PROFILE);
    status.addParameter().setName("subscription").setValue(new Reference(subscriptionRef));
    status.addParameter().setName("topic").setValue(new CanonicalType(TASK_TOPIC));
    status.addParameter().setName("status").setValue(new CodeType("active"));
    status.addParameter().setName("type").setValue(new CodeType(type));
    status
        .addParameter()
        .setName("events-since-subscription-start")
        .setValue(new StringType(String.valueOf(eventNumber)));
    Bundle bundle = new Bundle().setType(Bundle.BundleType.HISTORY);
    bundle.setId(UUID.randomUUID().toString());
    bundle.setTimestamp(new Date());
    if (focus != null) {
      String taskUrl = baseUrl.get() + "/Task/" + focus.getIdPart();
      Parameters.ParametersParameterComponent event =
          status.addParameter().setName("notification-event");
      event.addPart().setName("event-number").setValue(new StringType(String.valueOf(eventNumber)));
      event.addPart().setName("timestamp").setValue(new InstantType(new Date()));
      event.addPart().setName("focus").setValue(new Reference(taskUrl));
      bundle.addEntry().setFullUrl("urn:uuid:" + status.getId()).setResource(status);
      // id-only: the entry names the Task, the receiver reads it itself.
      Bundle.BundleEntryComponent entry = bundle.addEntry().setFullUrl(taskUrl);
      entry.getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl("Task/" + focus.getIdPart());
      entry.getResponse().setStatus("200");
    } else {
      bundle.addEntry().setFullUrl("urn:uuid:" + status.getId()).setResource(status);
    }
    Bundle.BundleEntryComponent first = bundle.getEntryFirstRep();
    first.getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(subscriptionRef + "/$status");
    first.getResponse().setStatus("200");
    return bundle;
  }

  private void send(Subscription subscription, Bundle notification, int attempt) {
    String body = fhir.newJsonParser().encodeResourceToString(notification);
    String endpoint = subscription.getChannel().getEndpoint();
    List<String> headers =
        subscription.getChannel().getHeader().stream().map(StringType::getValue).toList();
    sender.execute(
        () -> {
          try {
            HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(endpoint))
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", FHIR_JSON)
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            for (String header : headers) {
              int colon = header.indexOf(':');
              if (colon > 0) {
                request.header(
                    header.substring(0, colon).trim(), header.substring(colon + 1).trim());
              }
            }
            int status =
                http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 200 && status < 300) {
              return;
            }
            retry(subscription, notification, attempt, "HTTP " + status);
          } catch (java.io.IOException e) {
            retry(subscription, notification, attempt, e.getClass().getSimpleName());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  private void retry(Subscription subscription, Bundle notification, int attempt, String why) {
    if (attempt >= ATTEMPTS) {
      log.warn(
          "Gave up notifying Subscription/{} after {} attempts: {}",
          subscription.getIdElement().getIdPart(),
          attempt,
          why);
      return;
    }
    sender.schedule(
        () -> send(subscription, notification, attempt + 1), 200L * attempt, TimeUnit.MILLISECONDS);
  }

  /** The filter query of a subscription, {@code Task?a=b&c=d}; empty when it has none. */
  private static List<String[]> filter(Subscription subscription) {
    List<String[]> filters = new ArrayList<>();
    for (Extension extension : subscription.getCriteriaElement().getExtension()) {
      if (!FILTER_CRITERIA.equals(extension.getUrl()) || extension.getValue() == null) {
        continue;
      }
      String query = extension.getValue().primitiveValue();
      if (query.startsWith("Task?")) {
        query = query.substring("Task?".length());
      }
      for (String pair : query.split("&")) {
        int equals = pair.indexOf('=');
        if (equals > 0) {
          filters.add(
              new String[] {
                pair.substring(0, equals),
                URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8)
              });
        }
      }
    }
    return filters;
  }

  private static boolean matches(List<String[]> filters, Task task) {
    for (String[] filter : filters) {
      String value = filter[1];
      boolean ok =
          switch (filter[0]) {
            case "owner" -> value.equals(task.getOwner().getReference());
            case "requester" -> value.equals(task.getRequester().getReference());
            case "status" ->
                task.getStatus() != null
                    && List.of(value.split(",")).contains(task.getStatus().toCode());
            case "code" ->
                task.getCode().getCoding().stream()
                    .anyMatch(
                        coding ->
                            value.equals(coding.getSystem() + "|" + coding.getCode())
                                || value.equals(coding.getCode()));
            default -> true; // _lastUpdated
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Refuses what this server cannot do, naming it; returns normally for a usable Subscription. */
  private static void check(Subscription subscription) {
    if (!TASK_TOPIC.equals(subscription.getCriteria())) {
      throw new UnprocessableEntityException(
          "Only the topic " + TASK_TOPIC + " is offered, not " + subscription.getCriteria());
    }
    if (subscription.getChannel().getType() != Subscription.SubscriptionChannelType.RESTHOOK
        || !subscription.getChannel().hasEndpoint()) {
      throw new UnprocessableEntityException("Only rest-hook channels with an endpoint are served");
    }
    Extension content =
        subscription.getChannel().getPayloadElement().getExtensionByUrl(PAYLOAD_CONTENT);
    if (content == null || !"id-only".equals(content.getValue().primitiveValue())) {
      throw new UnprocessableEntityException("Only id-only payloads are served");
    }
    for (String[] filter : filter(subscription)) {
      if (!List.of("owner", "requester", "status", "code", "_lastUpdated").contains(filter[0])) {
        throw new UnprocessableEntityException("Tasks cannot be filtered by " + filter[0]);
      }
    }
  }

  /** Activates a new or changed Subscription and shakes hands with its endpoint. */
  private void activate(Subscription subscription) {
    Bundle handshake = notification(subscription, "handshake", 0, null);
    send(subscription, handshake, ATTEMPTS); // one try: a failed handshake only goes to the log
  }

  /** {@code Subscription}: create, read, update, and search by {@code url} and {@code status}. */
  public final class SubscriptionProvider implements IResourceProvider {

    @Override
    public Class<Subscription> getResourceType() {
      return Subscription.class;
    }

    @Create
    public MethodOutcome create(@ResourceParam Subscription subscription) {
      check(subscription);
      subscription.setStatus(Subscription.SubscriptionStatus.ACTIVE);
      MethodOutcome outcome = store.create(subscription, null);
      activate((Subscription) outcome.getResource());
      return outcome;
    }

    @Read
    public Subscription read(@IdParam IdType id) {
      return store.read(Subscription.class, id.getIdPart());
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam Subscription subscription) {
      check(subscription);
      subscription.setStatus(Subscription.SubscriptionStatus.ACTIVE);
      MethodOutcome outcome =
          store.update(Subscription.class, id.getIdPart(), id.getVersionIdPart(), subscription);
      activate((Subscription) outcome.getResource());
      return outcome;
    }

    @Search
    public List<Subscription> search(
        @OptionalParam(name = Subscription.SP_URL) UriParam url,
        @OptionalParam(name = Subscription.SP_STATUS) TokenParam status) {
      return store.all(Subscription.class).stream()
          .filter(s -> url == null || url.getValue().equals(s.getChannel().getEndpoint()))
          .filter(
              s ->
                  status == null
                      || (s.getStatus() != null
                          && status.getValue().equals(s.getStatus().toCode())))
          .toList();
    }
  }

  /** Declares the backport support and the Task topic in the generated CapabilityStatement. */
  @Interceptor
  public static final class Declaration {
    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void declare(IBaseConformance generated) {
      CapabilityStatement capabilities = (CapabilityStatement) generated;
      for (CapabilityStatement.CapabilityStatementRestComponent rest : capabilities.getRest()) {
        for (CapabilityStatement.CapabilityStatementRestResourceComponent resource :
            rest.getResource()) {
          if ("Subscription".equals(resource.getType())) {
            resource.addSupportedProfile(SUBSCRIPTION_PROFILE);
            resource.addExtension(TOPIC_CANONICAL, new CanonicalType(TASK_TOPIC));
          }
        }
      }
    }
  }
}
