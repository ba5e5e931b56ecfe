package org.referralexchange.demo.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.RequiredParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;

/**
 * A real FHIR R4 server on loopback, for tests and demos: HAPI's {@link RestfulServer} in an
 * embedded Tomcat on a given or random port, keeping Patient, ServiceRequest, Task, Organization,
 * Consent and Procedure in memory. It supports read, create (conditional on {@code
 * identifier=system|value}), update (honouring {@code If-Match}), search by identifier ({@code
 * system|value}, or {@code system|} for any value; Tasks also by {@code _lastUpdated}), paged as
 * HAPI pages ({@code Bundle.link} next, {@link #pageSize}), and transactions of conditional creates
 * with {@code urn:uuid} references and of updates (PUT, with {@code If-Match}), all or nothing, as
 * a FHIR server of a provider would. Every write sets {@code meta.lastUpdated} and increments
 * {@code meta.versionId}; every request received is kept in {@link #requests}. Callers can play the
 * provider (change a Task, create a Procedure), break the server (answer every request with a
 * status) or stop it. Started with topic-based subscriptions, it also takes Subscriptions to its
 * Tasks and notifies them ({@link TopicSubscriptions}).
 */
public final class InMemoryFhirServer implements AutoCloseable {

  private final Store store;
  private final Tomcat tomcat;
  private final Path baseDir;
  private final FhirServlet servlet;
  private final int port;

  /** The topic-based subscriptions it serves; null when it offers none. */
  private final TopicSubscriptions subscriptions;

  private InMemoryFhirServer(FhirContext fhir, int port, boolean topicSubscriptions)
      throws Exception {
    this.store = new Store(fhir);
    this.baseDir = Files.createTempDirectory("in-memory-fhir-server");
    this.subscriptions =
        topicSubscriptions ? new TopicSubscriptions(fhir, store, this::baseUrl) : null;
    this.servlet = new FhirServlet(fhir, store);
    if (subscriptions != null) {
      subscriptions.register(servlet);
    }
    this.tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    tomcat.setPort(port);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", baseDir.toString());
    Tomcat.addServlet(context, "fhir", servlet).setLoadOnStartup(1);
    context.addServletMappingDecoded("/fhir/*", "fhir");
    tomcat.start();
    this.port = tomcat.getConnector().getLocalPort();
    warmUp();
  }

  /**
   * One request before the tests' own: a cold HAPI server can take longer than the adapter's read
   * timeout to answer its first request on a busy machine.
   */
  private void warmUp() throws IOException, InterruptedException {
    HttpResponse<Void> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/metadata")).build(),
                HttpResponse.BodyHandlers.discarding());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "The in-memory FHIR server answered " + response.statusCode());
    }
    servlet.authorizations.clear();
  }

  /** Starts a server on any free loopback port. */
  public static InMemoryFhirServer start(FhirContext fhir) throws Exception {
    return start(fhir, 0);
  }

  /**
   * Starts a server on this loopback port.
   *
   * @param port the port to listen on; 0 for any free port
   */
  public static InMemoryFhirServer start(FhirContext fhir, int port) throws Exception {
    return start(fhir, port, false);
  }

  /**
   * Starts a server on this loopback port that, with {@code topicSubscriptions}, also offers R4
   * topic-based subscriptions to its Tasks ({@link TopicSubscriptions}).
   *
   * @param port the port to listen on; 0 for any free port
   */
  public static InMemoryFhirServer start(FhirContext fhir, int port, boolean topicSubscriptions)
      throws Exception {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be 0..65535, was " + port);
    }
    return new InMemoryFhirServer(fhir, port, topicSubscriptions);
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** The FHIR base, {@code http://127.0.0.1:<port>/fhir}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port + "/fhir";
  }

  /** Answers every request with this status and an OperationOutcome saying {@code diagnostics}. */
  public void answerEverythingWith(int status, String diagnostics) {
    servlet.failure = new Failure(status, diagnostics);
  }

  /** Ends {@link #answerEverythingWith}: requests are served again. */
  public void answerNormally() {
    servlet.failure = null;
  }

  /** Stops and destroys the server; nothing listens on its port afterwards. */
  public void stop() throws LifecycleException {
    tomcat.stop();
    tomcat.destroy();
  }

  /** Stops the server and deletes its Tomcat base directory, so no start leaves one behind. */
  @Override
  public void close() throws Exception {
    if (subscriptions != null) {
      subscriptions.close();
    }
    if (tomcat.getServer().getState().isAvailable()) {
      stop();
    }
    deleteBaseDir();
  }

  /** The temporary directory Tomcat works in; gone after {@link #close}. */
  public Path baseDir() {
    return baseDir;
  }

  private void deleteBaseDir() throws IOException {
    if (!Files.exists(baseDir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(baseDir)) {
      // Deepest first, so each directory is empty when its turn comes.
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /**
   * Plays the provider: stores a new resource of its own (a Procedure it performed, its
   * Organization), with a new id.
   *
   * @return its reference, {@code Type/id}
   */
  public String providerCreates(Resource resource) {
    String id = store.create(resource, null).getId().getIdPart();
    return resource.fhirType() + "/" + id;
  }

  /**
   * Drops subscription notifications until {@link #resumeNotifications}, as an outage of the
   * provider's notification service would: what changes meanwhile is only found by polling.
   */
  public void suspendNotifications() {
    requireSubscriptions().suspend(true);
  }

  /** Ends {@link #suspendNotifications}. */
  public void resumeNotifications() {
    requireSubscriptions().suspend(false);
  }

  private TopicSubscriptions requireSubscriptions() {
    if (subscriptions == null) {
      throw new IllegalStateException("This server offers no topic-based subscriptions");
    }
    return subscriptions;
  }

  /**
   * Every request received, in order, as {@code METHOD path?query} (e.g. {@code GET
   * /fhir/Task?identifier=…}): what a test counts to see how many calls a poll costs.
   */
  public List<String> requests() {
    return new ArrayList<>(servlet.requests);
  }

  /** How many resources a search answers per page (HAPI's paging; default 20). */
  public void pageSize(int size) {
    servlet.paging.setDefaultPageSize(size);
  }

  /** The Authorization header of every request received, in order (null when absent). */
  public List<String> authorizations() {
    return new ArrayList<>(servlet.authorizations);
  }

  /** Copies of every stored resource of this type, in creation order. */
  public <T extends Resource> List<T> all(Class<T> type) {
    return store.all(type);
  }

  /**
   * A copy of one resource.
   *
   * @throws ResourceNotFoundException when there is none with this id
   */
  public <T extends Resource> T read(Class<T> type, String id) {
    return store.read(type, id);
  }

  /** Plays the provider: changes the Task as its staff would, which bumps its version. */
  public void providerChangesTask(String id, Consumer<Task> change) {
    providerChangesTaskIf(
        id,
        task -> {
          change.accept(task);
          return true;
        });
  }

  /**
   * Plays the provider, atomically with respect to requests over HTTP: {@code change} edits a copy
   * of the Task and says whether to keep the edit; only then is it stored (a new version).
   *
   * @return whether the Task was changed
   */
  public boolean providerChangesTaskIf(String id, Predicate<Task> change) {
    synchronized (store) {
      Task task = store.read(Task.class, id);
      if (!change.test(task)) {
        return false;
      }
      store.update(Task.class, id, null, task);
      return true;
    }
  }

  /**
   * Runs {@code change} just before the next Task update received over HTTP (alone or in a
   * transaction) is applied: the provider answering while the exchange writes.
   */
  public void beforeNextTaskUpdate(Runnable change) {
    store.beforeNextTaskUpdate = change;
  }

  private record Failure(int status, String diagnostics) {}

  /** HAPI's servlet, plus a way to fail every request and a record of credentials sent. */
  private static final class FhirServlet extends RestfulServer {
    private final transient List<String> authorizations = new CopyOnWriteArrayList<>();
    private final transient List<String> requests = new CopyOnWriteArrayList<>();
    private final transient FifoMemoryPagingProvider paging = new FifoMemoryPagingProvider(100);
    private volatile Failure failure;

    FhirServlet(FhirContext fhir, Store store) {
      super(fhir);
      setDefaultResponseEncoding(EncodingEnum.JSON);
      // Searches answer in pages with a next link, as HAPI's JPA server does (its default: 20).
      paging.setDefaultPageSize(20);
      paging.setMaximumPageSize(200);
      setPagingProvider(paging);
      setResourceProviders(
          new PatientProvider(store),
          new ServiceRequestProvider(store),
          new TaskProvider(store),
          new OrganizationProvider(store),
          new ConsentProvider(store),
          new ProcedureProvider(store));
      registerProvider(new TransactionProvider(store));
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws ServletException, IOException {
      authorizations.add(request.getHeader("Authorization"));
      requests.add(
          request.getMethod()
              + " "
              + request.getRequestURI()
              + (request.getQueryString() == null ? "" : "?" + request.getQueryString()));
      Failure current = failure;
      if (current != null) {
        OperationOutcome outcome = new OperationOutcome();
        outcome
            .addIssue()
            .setSeverity(OperationOutcome.IssueSeverity.ERROR)
            .setCode(OperationOutcome.IssueType.PROCESSING)
            .setDiagnostics(current.diagnostics());
        response.setStatus(current.status());
        response.setContentType("application/fhir+json");
        response
            .getWriter()
            .write(getFhirContext().newJsonParser().encodeResourceToString(outcome));
        return;
      }
      super.service(request, response);
    }
  }

  /** The resources, with versions; every read hands out a copy. */
  static final class Store {
    private final FhirContext fhir;
    private final Map<String, Map<String, Resource>> resources = new HashMap<>();
    private long nextId = 1;
    private volatile Runnable beforeNextTaskUpdate;

    /** Told of every Task stored (created or changed), under the store's lock: must not block. */
    volatile Consumer<Task> taskStored = task -> {};

    Store(FhirContext fhir) {
      this.fhir = fhir;
    }

    synchronized <T extends Resource> List<T> all(Class<T> type) {
      return resources.getOrDefault(type.getSimpleName(), Map.of()).values().stream()
          .map(resource -> type.cast(resource.copy()))
          .toList();
    }

    synchronized <T extends Resource> T read(Class<T> type, String id) {
      Resource resource = resources.getOrDefault(type.getSimpleName(), Map.of()).get(id);
      if (resource == null) {
        throw new ResourceNotFoundException(new IdType(type.getSimpleName(), id));
      }
      return type.cast(resource.copy());
    }

    synchronized <T extends Resource> List<T> search(Class<T> type, String system, String value) {
      return all(type).stream().filter(resource -> hasIdentifier(resource, system, value)).toList();
    }

    /**
     * By identifier and, when given, {@code meta.lastUpdated} within the range (bounds as HAPI).
     */
    synchronized <T extends Resource> List<T> search(
        Class<T> type, String system, String value, DateRangeParam lastUpdated) {
      Date from = lastUpdated == null ? null : lastUpdated.getLowerBoundAsInstant();
      Date to = lastUpdated == null ? null : lastUpdated.getUpperBoundAsInstant();
      return search(type, system, value).stream()
          .filter(
              resource -> {
                Date updated = resource.getMeta().getLastUpdated();
                return (from == null || !updated.before(from))
                    && (to == null || !updated.after(to));
              })
          .toList();
    }

    synchronized <T extends Resource> MethodOutcome create(T resource, String conditionalUrl) {
      if (conditionalUrl != null) {
        Optional<Resource> existing = match(resource.fhirType(), conditionalUrl);
        if (existing.isPresent()) {
          return new MethodOutcome(existing.get().getIdElement(), false);
        }
      }
      Resource stored = store(resource, String.valueOf(nextId++), 1);
      return new MethodOutcome(stored.getIdElement(), true).setResource(stored.copy());
    }

    synchronized <T extends Resource> MethodOutcome update(
        Class<T> type, String id, String ifMatchVersion, T resource) {
      Resource current = read(type, id);
      String version = current.getIdElement().getVersionIdPart();
      if (ifMatchVersion != null && !ifMatchVersion.equals(version)) {
        throw new PreconditionFailedException(
            "Version " + ifMatchVersion + " is not current (" + version + ")");
      }
      Resource stored = store(resource, id, Long.parseLong(version) + 1);
      return new MethodOutcome(stored.getIdElement(), false).setResource(stored.copy());
    }

    /**
     * POST entries (each optionally conditional, references to their fullUrls resolved) and PUT
     * entries ({@code Type/id}, honouring {@code If-Match}), all or nothing: every condition is
     * checked before anything is stored.
     */
    synchronized Bundle transaction(Bundle request) {
      if (request.getEntry().stream()
          .anyMatch(
              entry ->
                  entry.getRequest().getMethod() == Bundle.HTTPVerb.PUT
                      && entry.getResource() instanceof Task)) {
        Runnable meanwhile = beforeNextTaskUpdate;
        beforeNextTaskUpdate = null;
        if (meanwhile != null) {
          meanwhile.run();
        }
      }
      Map<String, String> resolved = new HashMap<>();
      Map<Bundle.BundleEntryComponent, String> toCreate = new LinkedHashMap<>();
      Map<Bundle.BundleEntryComponent, Resource> toUpdate = new LinkedHashMap<>();
      List<Bundle.BundleEntryComponent> answers = new ArrayList<>();
      for (Bundle.BundleEntryComponent entry : request.getEntry()) {
        Bundle.HTTPVerb method = entry.getRequest().getMethod();
        if (entry.getResource() == null
            || (method != Bundle.HTTPVerb.POST && method != Bundle.HTTPVerb.PUT)) {
          throw new InvalidRequestException(
              "This in-memory server takes POST and PUT entries with a resource only");
        }
        String type = entry.getResource().fhirType();
        Bundle.BundleEntryComponent answer = new Bundle.BundleEntryComponent();
        if (method == Bundle.HTTPVerb.PUT) {
          IdType target = new IdType(entry.getRequest().getUrl());
          if (!type.equals(target.getResourceType()) || !target.hasIdPart()) {
            throw new InvalidRequestException("A PUT entry's url must be " + type + "/<id>");
          }
          Resource current = read(entry.getResource().getClass(), target.getIdPart());
          String version = current.getIdElement().getVersionIdPart();
          String ifMatch = ifMatchVersion(entry.getRequest().getIfMatch());
          if (ifMatch != null && !ifMatch.equals(version)) {
            throw new PreconditionFailedException(
                "Version " + ifMatch + " of " + target.getValue() + " is not current");
          }
          long next = Long.parseLong(version) + 1;
          toUpdate.put(entry, current);
          answer
              .getResponse()
              .setStatus("200 OK")
              .setLocation(type + "/" + target.getIdPart() + "/_history/" + next);
          answers.add(answer);
          continue;
        }
        Optional<Resource> existing =
            entry.getRequest().hasIfNoneExist()
                ? match(type, entry.getRequest().getIfNoneExist())
                : Optional.empty();
        if (existing.isPresent()) {
          IdType id = existing.get().getIdElement();
          resolved.put(entry.getFullUrl(), type + "/" + id.getIdPart());
          answer.getResponse().setStatus("200 OK").setLocation(id.getValue());
        } else {
          String id = String.valueOf(nextId++);
          resolved.put(entry.getFullUrl(), type + "/" + id);
          toCreate.put(entry, id);
          answer
              .getResponse()
              .setStatus("201 Created")
              .setLocation(type + "/" + id + "/_history/1");
        }
        answers.add(answer);
      }
      toCreate.forEach(
          (entry, id) -> {
            Resource resource = entry.getResource();
            for (Reference reference :
                fhir.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
              String target = resolved.get(reference.getReference());
              if (target != null) {
                reference.setReference(target);
              }
            }
            store(resource, id, 1);
          });
      toUpdate.forEach(
          (entry, current) ->
              store(
                  entry.getResource(),
                  current.getIdElement().getIdPart(),
                  Long.parseLong(current.getIdElement().getVersionIdPart()) + 1));
      Bundle response = new Bundle().setType(Bundle.BundleType.TRANSACTIONRESPONSE);
      answers.forEach(response::addEntry);
      return response;
    }

    /** {@code W/"3"}, {@code "3"} or {@code 3} as {@code 3}; null when absent. */
    private static String ifMatchVersion(String ifMatch) {
      if (ifMatch == null || ifMatch.isBlank()) {
        return null;
      }
      String version = ifMatch.trim();
      if (version.startsWith("W/")) {
        version = version.substring(2);
      }
      return version.replace("\"", "");
    }

    private Resource store(Resource resource, String id, long version) {
      Resource stored = resource.copy();
      stored.setId(new IdType(resource.fhirType(), id, String.valueOf(version)));
      stored.getMeta().setVersionId(String.valueOf(version)).setLastUpdated(new Date());
      resources.computeIfAbsent(resource.fhirType(), type -> new LinkedHashMap<>()).put(id, stored);
      if (stored instanceof Task task) {
        taskStored.accept(task.copy());
      }
      return stored;
    }

    /** {@code [Type?]identifier=system|value}, as in If-None-Exist. */
    private Optional<Resource> match(String type, String conditionalUrl) {
      String query = conditionalUrl.substring(conditionalUrl.indexOf('?') + 1);
      if (!query.startsWith("identifier=")) {
        throw new InvalidRequestException("This in-memory server matches on identifier only");
      }
      String token =
          URLDecoder.decode(query.substring("identifier=".length()), StandardCharsets.UTF_8);
      int bar = token.indexOf('|');
      String system = token.substring(0, bar);
      String value = token.substring(bar + 1);
      List<Resource> matches =
          resources.getOrDefault(type, Map.of()).values().stream()
              .filter(resource -> hasIdentifier(resource, system, value))
              .toList();
      if (matches.size() > 1) {
        throw new PreconditionFailedException("More than one match for " + conditionalUrl);
      }
      return matches.stream().findFirst();
    }

    private boolean hasIdentifier(Resource resource, String system, String value) {
      List<Identifier> identifiers =
          fhir.newTerser().getValues(resource, "identifier", Identifier.class);
      return identifiers.stream()
          .anyMatch(
              identifier ->
                  (system == null || system.isEmpty() || system.equals(identifier.getSystem()))
                      // system| (no value) matches any value of that system, as FHIR says
                      && (value == null || value.isEmpty() || value.equals(identifier.getValue())));
    }
  }

  /** Plain provider: the server-level transaction interaction. */
  public static final class TransactionProvider {
    private final Store store;

    TransactionProvider(Store store) {
      this.store = store;
    }

    @Transaction
    public Bundle transaction(@TransactionParam Bundle bundle) {
      return store.transaction(bundle);
    }
  }

  public static final class PatientProvider implements IResourceProvider {
    private final Store store;

    PatientProvider(Store store) {
      this.store = store;
    }

    @Override
    public Class<Patient> getResourceType() {
      return Patient.class;
    }

    @Read
    public Patient read(@IdParam IdType id) {
      return store.read(Patient.class, id.getIdPart());
    }

    @Create
    public MethodOutcome create(
        @ResourceParam Patient patient, @ConditionalUrlParam String conditionalUrl) {
      return store.create(patient, conditionalUrl);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam Patient patient) {
      return store.update(Patient.class, id.getIdPart(), id.getVersionIdPart(), patient);
    }

    @Search
    public List<Patient> byIdentifier(
        @RequiredParam(name = Patient.SP_IDENTIFIER) TokenParam identifier) {
      return store.search(Patient.class, identifier.getSystem(), identifier.getValue());
    }
  }

  public static final class ServiceRequestProvider implements IResourceProvider {
    private final Store store;

    ServiceRequestProvider(Store store) {
      this.store = store;
    }

    @Override
    public Class<ServiceRequest> getResourceType() {
      return ServiceRequest.class;
    }

    @Read
    public ServiceRequest read(@IdParam IdType id) {
      return store.read(ServiceRequest.class, id.getIdPart());
    }

    @Create
    public MethodOutcome create(
        @ResourceParam ServiceRequest request, @ConditionalUrlParam String conditionalUrl) {
      return store.create(request, conditionalUrl);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam ServiceRequest request) {
      return store.update(ServiceRequest.class, id.getIdPart(), id.getVersionIdPart(), request);
    }

    @Search
    public List<ServiceRequest> byIdentifier(
        @RequiredParam(name = ServiceRequest.SP_IDENTIFIER) TokenParam identifier) {
      return store.search(ServiceRequest.class, identifier.getSystem(), identifier.getValue());
    }
  }

  public static final class TaskProvider implements IResourceProvider {
    private final Store store;

    TaskProvider(Store store) {
      this.store = store;
    }

    @Override
    public Class<Task> getResourceType() {
      return Task.class;
    }

    @Read
    public Task read(@IdParam IdType id) {
      return store.read(Task.class, id.getIdPart());
    }

    @Create
    public MethodOutcome create(
        @ResourceParam Task task, @ConditionalUrlParam String conditionalUrl) {
      return store.create(task, conditionalUrl);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam Task task) {
      Runnable meanwhile = store.beforeNextTaskUpdate;
      store.beforeNextTaskUpdate = null;
      if (meanwhile != null) {
        meanwhile.run();
      }
      return store.update(Task.class, id.getIdPart(), id.getVersionIdPart(), task);
    }

    @Search
    public List<Task> byIdentifier(
        @RequiredParam(name = Task.SP_IDENTIFIER) TokenParam identifier,
        @OptionalParam(name = Constants.PARAM_LASTUPDATED) DateRangeParam lastUpdated) {
      return store.search(Task.class, identifier.getSystem(), identifier.getValue(), lastUpdated);
    }
  }

  public static final class OrganizationProvider implements IResourceProvider {
    private final Store store;

    OrganizationProvider(Store store) {
      this.store = store;
    }

    @Override
    public Class<Organization> getResourceType() {
      return Organization.class;
    }

    @Read
    public Organization read(@IdParam IdType id) {
      return store.read(Organization.class, id.getIdPart());
    }

    @Create
    public MethodOutcome create(
        @ResourceParam Organization organization, @ConditionalUrlParam String conditionalUrl) {
      return store.create(organization, conditionalUrl);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam Organization organization) {
      return store.update(Organization.class, id.getIdPart(), id.getVersionIdPart(), organization);
    }

    @Search
    public List<Organization> byIdentifier(
        @RequiredParam(name = Organization.SP_IDENTIFIER) TokenParam identifier) {
      return store.search(Organization.class, identifier.getSystem(), identifier.getValue());
    }
  }

  public static final class ConsentProvider implements IResourceProvider {
    private final Store store;

    ConsentProvider(Store store) {
      this.store = store;
    }

    @Override
    public Class<Consent> getResourceType() {
      return Consent.class;
    }

    @Read
    public Consent read(@IdParam IdType id) {
      return store.read(Consent.class, id.getIdPart());
    }

    @Create
    public MethodOutcome create(
        @ResourceParam Consent consent, @ConditionalUrlParam String conditionalUrl) {
      return store.create(consent, conditionalUrl);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam Consent consent) {
      return store.update(Consent.class, id.getIdPart(), id.getVersionIdPart(), consent);
    }

    @Search
    public List<Consent> byIdentifier(
        @RequiredParam(name = Consent.SP_IDENTIFIER) TokenParam identifier) {
      return store.search(Consent.class, identifier.getSystem(), identifier.getValue());
    }
  }

  public static final class ProcedureProvider implements IResourceProvider {
    private final Store store;

    ProcedureProvider(Store store) {
      this.store = store;
    }

    @Override
    public Class<Procedure> getResourceType() {
      return Procedure.class;
    }

    @Read
    public Procedure read(@IdParam IdType id) {
      return store.read(Procedure.class, id.getIdPart());
    }

    @Create
    public MethodOutcome create(
        @ResourceParam Procedure procedure, @ConditionalUrlParam String conditionalUrl) {
      return store.create(procedure, conditionalUrl);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam Procedure procedure) {
      return store.update(Procedure.class, id.getIdPart(), id.getVersionIdPart(), procedure);
    }

    @Search
    public List<Procedure> byIdentifier(
        @RequiredParam(name = Procedure.SP_IDENTIFIER) TokenParam identifier) {
      return store.search(Procedure.class, identifier.getSystem(), identifier.getValue());
    }
  }
}
