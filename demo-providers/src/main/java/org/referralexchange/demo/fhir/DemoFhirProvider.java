package org.referralexchange.demo.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.referralexchange.demo.DemoAnswers;
import org.referralexchange.demo.DemoAnswers.Answer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A demo provider that runs a FHIR R4 server ({@link InMemoryFhirServer}) and answers the referrals
 * the exchange creates there by itself, as its staff would. Every {@link #TICK} a background thread
 * looks at the Tasks that carry the exchange's referral identifier; a Task first seen as {@code
 * requested} gets the answers {@link DemoAnswers} decides from the narrative, which the exchange
 * writes as notes of the ServiceRequest the Task's {@code focus} points at.
 *
 * <p>Each answer edits the Task as a Gravity SDOHCC referral target does and as the exchange's
 * {@code fhir} kind reads it back: {@code status} ({@code accepted}, {@code rejected}, {@code
 * completed}), {@code statusReason} (a coding with the reason code, and the reason as text), {@code
 * lastModified} (when it answered), and on completion {@code output}s of type {@code
 * resulting-activity}: a {@code valueString} saying what was delivered and a {@code valueMoney}
 * with the cost. A Task the exchange cancelled, or that is no longer in the status an answer
 * expects, is left alone.
 *
 * <p>{@link #startGravity} runs it in its Gravity-like mode instead: {@link GravityScript} decides,
 * {@link GravityEdits} edits as the Gravity SDOHCC reference CBO application does, and the server
 * may offer topic-based subscriptions ({@link TopicSubscriptions}).
 */
public final class DemoFhirProvider implements AutoCloseable {

  /** How often the Tasks are looked at. */
  public static final Duration TICK = Duration.ofMillis(500);

  /** Identifier system of the exchange's referral id on the Tasks it creates. */
  static final String REFERRAL_ID = "urn:referral-exchange:referral-id";

  static final String SDOHCC_TEMPORARY_CODES =
      "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes";
  static final String RESULTING_ACTIVITY = "resulting-activity";

  private static final Logger log = LoggerFactory.getLogger(DemoFhirProvider.class);
  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

  private final InMemoryFhirServer server;
  private final Function<String, List<Step>> planner;
  private final Clock clock;
  private final ScheduledExecutorService worker;

  /** Per Task id: the answers still to give, and when the last step happened. */
  private final Map<String, Pending> pending = new HashMap<>();

  /**
   * One edit the provider makes to a Task, {@code after} the previous one.
   *
   * @param status the Task status it sets, for the log
   * @param edit changes a copy of the Task; false when the Task is not in the status it follows
   */
  private record Step(Duration after, String status, Predicate<Task> edit) {}

  private DemoFhirProvider(
      InMemoryFhirServer server, Function<String, List<Step>> planner, Clock clock) {
    this.server = server;
    this.planner = planner;
    this.clock = clock;
    this.worker =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "demo-fhir-provider-" + server.port());
              thread.setDaemon(true);
              return thread;
            });
    worker.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts the FHIR server and the provider's answering thread.
   *
   * @param port the loopback port; 0 for any free port
   * @param answers what to answer, and after how long
   */
  public static DemoFhirProvider start(int port, DemoAnswers answers) throws Exception {
    InMemoryFhirServer server = InMemoryFhirServer.start(FhirContext.forR4(), port);
    Clock clock = Clock.systemUTC();
    return new DemoFhirProvider(
        server,
        narrative ->
            answers.answersFor(narrative).stream()
                .map(
                    answer ->
                        new Step(
                            answer.after(),
                            answer.status().code(),
                            task -> apply(answer, task, clock.instant())))
                .toList(),
        clock);
  }

  /**
   * Starts the provider in its Gravity-like mode: Tasks move as {@link GravityScript} decides from
   * the narrative, edited as the Gravity SDOHCC reference CBO application edits them ({@link
   * GravityEdits}), and the server offers topic-based subscriptions when {@code mode} says so.
   *
   * @param port the loopback port; 0 for any free port
   */
  public static DemoFhirProvider startGravity(int port, GravityMode mode) throws Exception {
    InMemoryFhirServer server =
        InMemoryFhirServer.start(FhirContext.forR4(), port, mode.subscriptions());
    return new DemoFhirProvider(
        server,
        narrative ->
            GravityScript.forNarrative(narrative).statuses().stream()
                .map(status -> new Step(mode.delay(), status, GravityEdits.edit(status, server)))
                .toList(),
        Clock.systemUTC());
  }

  /** The FHIR base to configure as the provider's endpoint in the exchange. */
  public String baseUrl() {
    return server.baseUrl();
  }

  /** The server underneath, to look at what the exchange wrote. */
  public InMemoryFhirServer server() {
    return server;
  }

  /** Stops the answering thread, then the server. */
  @Override
  public void close() throws Exception {
    worker.shutdownNow();
    worker.awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  /** One look at the Tasks; never throws, so the schedule keeps running. */
  private void tick() {
    try {
      Instant now = clock.instant();
      for (Task task : server.all(Task.class)) {
        String id = task.getIdElement().getIdPart();
        if (!pending.containsKey(id) && isNewReferral(task)) {
          List<Step> planned = planner.apply(narrative(task));
          pending.put(id, new Pending(new ArrayDeque<>(planned), now));
          log.info(
              "Demo FHIR provider received Task/{}; will answer {}",
              id,
              planned.stream().map(Step::status).toList());
        }
      }
      for (Map.Entry<String, Pending> entry : pending.entrySet()) {
        answerIfDue(entry.getKey(), entry.getValue(), now);
      }
    } catch (RuntimeException e) {
      log.warn("Demo FHIR provider could not look at its Tasks", e);
    }
  }

  private static boolean isNewReferral(Task task) {
    return task.getStatus() == Task.TaskStatus.REQUESTED
        && task.getIdentifier().stream()
            .anyMatch(identifier -> REFERRAL_ID.equals(identifier.getSystem()));
  }

  /** The notes of the ServiceRequest the Task is about: where the exchange puts the narrative. */
  private String narrative(Task task) {
    IdType focus = new IdType(task.getFocus().getReference());
    if (!"ServiceRequest".equals(focus.getResourceType()) || !focus.hasIdPart()) {
      return "";
    }
    try {
      ServiceRequest request = server.read(ServiceRequest.class, focus.getIdPart());
      return request.getNote().stream()
          .map(Annotation::getText)
          .filter(text -> text != null)
          .collect(Collectors.joining("\n"));
    } catch (RuntimeException e) {
      return ""; // no such ServiceRequest: nothing to read
    }
  }

  private void answerIfDue(String taskId, Pending plan, Instant now) {
    while (!plan.answers.isEmpty()) {
      Step next = plan.answers.peek();
      if (now.isBefore(plan.since.plus(next.after()))) {
        return;
      }
      plan.answers.poll();
      boolean applied = server.providerChangesTaskIf(taskId, next.edit());
      if (!applied) {
        log.info(
            "Demo FHIR provider leaves Task/{} alone: it is no longer open for {}",
            taskId,
            next.status());
        plan.answers.clear();
        return;
      }
      log.info("Demo FHIR provider set Task/{} to {}", taskId, next.status());
      plan.since = now;
    }
  }

  /** Edits the Task for this answer; false when the Task is not in the status it follows. */
  private static boolean apply(Answer answer, Task task, Instant now) {
    Task.TaskStatus expected =
        answer.status() == DemoAnswers.Status.COMPLETED
            ? Task.TaskStatus.ACCEPTED
            : Task.TaskStatus.REQUESTED;
    if (task.getStatus() != expected) {
      return false;
    }
    task.setStatus(Task.TaskStatus.fromCode(answer.status().code()));
    task.setLastModifiedElement(new DateTimeType(Date.from(now), TemporalPrecisionEnum.MILLI, UTC));
    if (answer.reason() != null) {
      task.setStatusReason(
          new CodeableConcept()
              .addCoding(new Coding(DemoAnswers.REASON_SYSTEM, answer.reason().code(), null))
              .setText(answer.reason().text()));
    }
    if (answer.outcome() != null) {
      DemoAnswers.Outcome outcome = answer.outcome();
      task.addOutput().setType(resultingActivity()).setValue(new StringType(outcome.delivered()));
      if (outcome.costAmount() != null) {
        Money cost = new Money();
        cost.setValue(outcome.costAmount());
        cost.setCurrency(outcome.costCurrency());
        task.addOutput().setType(resultingActivity()).setValue(cost);
      }
    }
    return true;
  }

  private static CodeableConcept resultingActivity() {
    return new CodeableConcept()
        .addCoding(new Coding(SDOHCC_TEMPORARY_CODES, RESULTING_ACTIVITY, "Resulting Activity"));
  }

  /** What is left to answer for one Task. Touched by the worker thread only. */
  private static final class Pending {
    private final Deque<Step> answers;
    private Instant since;

    Pending(Deque<Step> answers, Instant since) {
      this.answers = answers;
      this.since = since;
    }
  }
}
