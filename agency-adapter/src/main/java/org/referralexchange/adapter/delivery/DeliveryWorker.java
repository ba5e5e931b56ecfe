package org.referralexchange.adapter.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.referralexchange.adapter.clock.ResponseDeadline;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.config.ProviderDirectory;
import org.referralexchange.adapter.disclosure.Disclosures;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.ProviderAdapter;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.adapter.referral.ConsentStateView;
import org.referralexchange.adapter.referral.ReferralState;
import org.referralexchange.adapter.referral.ReferralStateView;
import org.referralexchange.envelope.EnvelopeException;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.kafka.WorkOwnership;
import org.referralexchange.policy.ConsentCheck;
import org.referralexchange.policy.ConsentPolicy;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Works through each provider's referrals on a thread of its own, so a slow or unreachable provider
 * never holds up another: delivers what was submitted and not yet delivered (consent checked again
 * first), withdraws what the requester or the exchange cancelled, and polls pull-based providers.
 * What is left to do is read from the log, not kept in memory: a referral submitted without a
 * {@code ReferralDelivered} is still to deliver after any crash, and redelivery is harmless because
 * every provider kind delivers idempotently.
 *
 * <p>With several instances, each works only the referrals of the partitions it owns ({@link
 * WorkOwnership}): a delivery, withdrawal or poll is claimed first, and the claim is held until its
 * result is acknowledged, so a graceful handover never leaves it to be done again.
 *
 * <p>Delivery failures back off exponentially per referral; after the last attempt, or at once when
 * the provider refuses it for good, the referral fails with reason {@code delivery-failed} and its
 * event goes to the dead-letter topic with the cause in the headers.
 */
@Component
public class DeliveryWorker {

  private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);

  private final ReferralStateView referrals;
  private final ConsentStateView consents;
  private final ProviderDirectory providers;
  private final ClientDataOpener opener;
  private final EventPublisher publisher;
  private final PolledReports polledReports;
  private final Disclosures disclosures;
  private final KafkaTemplate<String, org.apache.avro.specific.SpecificRecord> deadLetters;
  private final EventLog eventLog;
  private final WorkOwnership ownership;
  private final AdapterProperties properties;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Map<String, ExecutorService> lanes = new ConcurrentHashMap<>();
  private final Map<String, Lane> laneStates = new ConcurrentHashMap<>();
  private final Map<String, Attempts> attempts = new ConcurrentHashMap<>();

  /**
   * Deliveries the provider took whose {@code ReferralDelivered} the broker did not acknowledge, by
   * referral id: the next pass records them again instead of delivering them again, so a broker
   * outage does not repeat deliveries to providers. Kept in memory: after a restart such a referral
   * is delivered again, which providers take as the same delivery (same webhook-id, same FHIR
   * identifiers).
   */
  private final Map<String, ReferralDelivered> unrecorded = new ConcurrentHashMap<>();

  /**
   * Referrals whose consent this instance has not read yet, by referral id, with when that was
   * first seen: the consent is on another topic, so it may be read after the referral.
   */
  private final Map<String, Instant> awaitingConsent = new ConcurrentHashMap<>();

  private final Set<String> withdrawn = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> lastPoll = new ConcurrentHashMap<>();

  /** Counters by provider and outcome, looked up once rather than on every delivery. */
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /** Failed attempts so far and when to try again. */
  private record Attempts(int count, Instant nextAt) {}

  /**
   * Whether a provider's lane is running a pass, whether another pass is wanted after it and what
   * it should look at, what is on its way to the provider, and its window of unacknowledged {@code
   * ReferralDelivered} events.
   */
  private static final class Lane {
    final AtomicBoolean running = new AtomicBoolean();
    final AtomicBoolean wanted = new AtomicBoolean();
    final AtomicBoolean scanDue = new AtomicBoolean();

    /**
     * Whether a tick must look at every undelivered referral: at the start (what was submitted
     * before the log was read to its end), and while an attempt ended without a delivery (a backoff
     * runs out, an ack failed). Otherwise new submissions come as news and a tick need not look at
     * the referrals already on their way.
     */
    final AtomicBoolean rescan = new AtomicBoolean(true);

    final AtomicBoolean withdrawalsDue = new AtomicBoolean(true);

    /** Submissions applied since the last pass, news from the view. */
    final Queue<ReferralState> arrived = new ConcurrentLinkedQueue<>();

    /** Referrals handed to the delivery pool whose attempt has not ended yet. */
    final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    final Semaphore unacknowledged;

    Lane(int window) {
      unacknowledged = new Semaphore(window);
    }
  }

  DeliveryWorker(
      ReferralStateView referrals,
      ConsentStateView consents,
      ProviderDirectory providers,
      ClientDataOpener opener,
      EventPublisher publisher,
      PolledReports polledReports,
      Disclosures disclosures,
      KafkaTemplate<String, org.apache.avro.specific.SpecificRecord> eventTemplate,
      EventLog eventLog,
      WorkOwnership ownership,
      AdapterProperties properties,
      Clock clock,
      MeterRegistry meters) {
    this.referrals = referrals;
    this.consents = consents;
    this.providers = providers;
    this.opener = opener;
    this.publisher = publisher;
    this.polledReports = polledReports;
    this.disclosures = disclosures;
    this.deadLetters = eventTemplate;
    this.eventLog = eventLog;
    this.ownership = ownership;
    this.properties = properties;
    this.clock = clock;
    this.meters = meters;
    referrals.listen(
        new ReferralStateView.Listener() {
          @Override
          public void undelivered(ReferralState referral) {
            Optional<AdapterProperties.Provider> provider =
                providers
                    .provider(referral.providerId())
                    .filter(AdapterProperties.Provider::enabled);
            if (provider.isEmpty()) {
              return;
            }
            Lane state = laneState(provider.get().id());
            if (eventLog.caughtUp()) {
              state.arrived.add(referral);
              wake(provider.get());
            } else {
              // Until the log is read to its end (again, after a reader failure), its
              // ReferralDelivered may still be on its way: the first tick after catching up
              // looks at every undelivered referral.
              state.rescan.set(true);
            }
          }

          @Override
          public void withdrawable(ReferralState referral) {
            laneState(referral.providerId()).withdrawalsDue.set(true);
          }
        });
    ownership.listen(
        new WorkOwnership.Listener() {
          @Override
          public void owned(Set<Integer> partitions) {
            // Referrals skipped while another instance owned them: look at all of them now.
            for (AdapterProperties.Provider provider : providers.all()) {
              Lane state = laneState(provider.id());
              state.scanDue.set(true);
              state.withdrawalsDue.set(true);
              wake(provider);
            }
          }
        });
  }

  /**
   * Starts a pass for every enabled provider: what came in since is handled when it comes in (see
   * {@link #wake}); the tick is for what waits for time to pass (retries after a backoff, polls)
   * and what failed for want of a broker.
   */
  @Scheduled(fixedDelayString = "${adapter.tick-interval}")
  public void tick() {
    if (!eventLog.caughtUp()) {
      return;
    }
    for (AdapterProperties.Provider provider : providers.all()) {
      Lane state = laneState(provider.id());
      if (state.rescan.getAndSet(false)) {
        state.scanDue.set(true);
      }
      wake(provider);
    }
  }

  /**
   * Asks for a pass of the provider's lane: one starts now if none runs, else one more runs right
   * after the current one, so a referral that arrives during a pass waits for no tick. Returns at
   * once; never runs two passes of one provider at a time.
   */
  private void wake(AdapterProperties.Provider provider) {
    if (!provider.enabled()) {
      return;
    }
    Lane state = laneState(provider.id());
    state.wanted.set(true);
    if (state.running.compareAndSet(false, true)) {
      try {
        lane(provider.id()).execute(() -> passes(provider, state));
      } catch (RejectedExecutionException shuttingDown) {
        state.running.set(false);
      }
    }
  }

  /** Runs passes while more are wanted; the last check after letting go closes a lost wake-up. */
  private void passes(AdapterProperties.Provider provider, Lane state) {
    try {
      while (state.wanted.getAndSet(false)) {
        try {
          work(provider, state);
        } catch (RuntimeException e) {
          state.rescan.set(true);
          log.warn("Work for provider {} failed: {}", provider.id(), e.toString());
        }
      }
    } finally {
      state.running.set(false);
    }
    if (state.wanted.get() && state.running.compareAndSet(false, true)) {
      try {
        lane(provider.id()).execute(() -> passes(provider, state));
      } catch (RejectedExecutionException shuttingDown) {
        state.running.set(false);
      }
    }
  }

  private Lane laneState(String providerId) {
    return laneStates.computeIfAbsent(
        providerId, id -> new Lane(properties.delivery().unacknowledgedLimit()));
  }

  private Counter counter(String name, String providerId, String outcome) {
    return counters.computeIfAbsent(
        name + "\u0000" + providerId + "\u0000" + outcome,
        k ->
            outcome == null
                ? meters.counter(name, "provider", providerId)
                : meters.counter(name, "provider", providerId, "outcome", outcome));
  }

  private final Map<String, ExecutorService> deliveryPools = new ConcurrentHashMap<>();

  /**
   * Hands each delivery's {@code ReferralDelivered} to the producer once its disclosure was
   * acknowledged. That acknowledgement completes on the producer's own I/O thread, and a send made
   * there waits for what only that thread can do (fetch the topic's metadata, free buffer space):
   * the thread stalls up to {@code max.block.ms} per send, every other record in flight expires
   * meanwhile, and the deliveries whose records failed are delivered again by the next owner of
   * their partitions. One thread of its own, not a provider's delivery pool, so the record never
   * waits behind a slow provider while a handover drains.
   */
  private final ExecutorService recorder =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread thread = new Thread(r, "record-delivered");
            thread.setDaemon(true);
            return thread;
          });

  /** Up to {@code adapter.delivery.concurrency} deliveries in flight for one provider. */
  private ExecutorService deliveryPool(String providerId) {
    return deliveryPools.computeIfAbsent(
        providerId,
        id ->
            Executors.newFixedThreadPool(
                properties.delivery().concurrency(),
                r -> {
                  Thread thread = new Thread(r, "deliver-" + id);
                  thread.setDaemon(true);
                  return thread;
                }));
  }

  private ExecutorService lane(String providerId) {
    return lanes.computeIfAbsent(
        providerId,
        id ->
            Executors.newSingleThreadExecutor(
                r -> {
                  Thread thread = new Thread(r, "provider-" + id);
                  thread.setDaemon(true);
                  return thread;
                }));
  }

  /**
   * One pass: hands every referral that is due and not already on its way to the provider's
   * delivery pool (up to {@code adapter.delivery.concurrency} at once), then withdraws and polls.
   * It does not wait for the deliveries: a referral stays "in flight" from being handed over until
   * its {@code ReferralDelivered} was acknowledged (and applied to the view) or its attempt ended
   * otherwise, and no pass hands it over twice meanwhile. A pass woken by new submissions looks at
   * those; a tick's pass looks at every undelivered referral when there may be more (see {@link
   * Lane#rescan}).
   */
  private void work(AdapterProperties.Provider provider, Lane state) {
    Instant now = clock.instant();
    List<ReferralState> candidates = new ArrayList<>();
    if (state.scanDue.getAndSet(false)) {
      state.arrived.clear();
      candidates.addAll(referrals.undelivered(provider.id()));
    } else {
      for (ReferralState arrived; (arrived = state.arrived.poll()) != null; ) {
        candidates.add(arrived);
      }
    }
    for (ReferralState candidate : candidates) {
      Attempts tried = attempts.get(candidate.referralId());
      if (tried == null || !now.isBefore(tried.nextAt())) {
        dispatch(provider, candidate.referralId(), state);
      } else {
        state.rescan.set(true);
      }
    }
    if (!unrecorded.isEmpty()) {
      recordWhatNoLongerWaits(provider, state);
    }
    if (state.withdrawalsDue.getAndSet(false)) {
      boolean allDone = true;
      for (ReferralState referral : referrals.withdrawable(provider.id())) {
        if (referral.status() == ReferralStatus.CANCELLED
            && !withdrawn.contains(referral.referralId())
            && !disclosures.withdrawalRecorded(referral.referralId())) {
          Optional<WorkOwnership.Claim> claim = ownership.claim(referral.referralId());
          if (claim.isPresent()) {
            try (WorkOwnership.Claim held = claim.get()) {
              allDone &= withdraw(provider, referral);
            }
          }
        }
      }
      if (!allDone) {
        state.withdrawalsDue.set(true);
      }
    }
    Instant polled = lastPoll.get(provider.id());
    if (polled == null || !now.isBefore(polled.plus(provider.pollInterval()))) {
      lastPoll.put(provider.id(), now);
      poll(provider);
    }
  }

  /**
   * Records the deliveries the provider took but whose {@code ReferralDelivered} failed, for
   * referrals no longer waiting for delivery (cancelled meanwhile). A waiting one is recorded by
   * the next delivery pass; one cancelled first would never be, and the provider would keep a
   * referral the exchange withdrew: once recorded it counts as delivered, and a cancelled one is
   * then withdrawn at the provider like any other.
   */
  private void recordWhatNoLongerWaits(AdapterProperties.Provider provider, Lane state) {
    for (Map.Entry<String, ReferralDelivered> taken : unrecorded.entrySet()) {
      String referralId = taken.getKey();
      if (!taken.getValue().getProviderId().equals(provider.id())) {
        continue;
      }
      Optional<ReferralState> current = referrals.get(referralId);
      if (current.isPresent() && current.get().delivered()) {
        unrecorded.remove(referralId, taken.getValue());
        continue;
      }
      if (current.isEmpty()
          || current.get().status() == ReferralStatus.REQUESTED
          || !state.inFlight.add(referralId)) {
        continue;
      }
      Optional<WorkOwnership.Claim> owned = ownership.claim(referralId);
      if (owned.isEmpty() || !unrecorded.remove(referralId, taken.getValue())) {
        owned.ifPresent(WorkOwnership.Claim::close);
        state.inFlight.remove(referralId);
        continue;
      }
      log.info("Recording a delivery to {} made before the referral was cancelled", provider.id());
      record(provider, current.get(), state, taken.getValue())
          .whenComplete(
              (done, failure) -> {
                state.inFlight.remove(referralId);
                owned.get().close();
              });
    }
  }

  /**
   * Hands one referral to the delivery pool unless it is already in flight or no longer to deliver.
   * The view is read after the referral was marked in flight: an earlier delivery leaves the
   * in-flight set only after its acknowledged {@code ReferralDelivered} reached the view, so a
   * referral is never delivered twice because a pass looked at a stale list. Only a referral of a
   * partition this instance owns is handed over; the claim is held until the attempt ended.
   */
  private void dispatch(AdapterProperties.Provider provider, String referralId, Lane state) {
    if (!state.inFlight.add(referralId)) {
      return;
    }
    Optional<WorkOwnership.Claim> owned = ownership.claim(referralId);
    if (owned.isEmpty()) {
      state.inFlight.remove(referralId);
      return;
    }
    WorkOwnership.Claim claim = owned.get();
    Optional<ReferralState> current = referrals.get(referralId);
    if (current.isEmpty()
        || current.get().status() != ReferralStatus.REQUESTED
        || current.get().delivered()) {
      state.inFlight.remove(referralId);
      claim.close();
      return;
    }
    ReferralState referral = current.get();
    try {
      CompletableFuture.supplyAsync(
              () -> withReferralId(referral, () -> deliver(provider, referral, state)),
              deliveryPool(provider.id()))
          .thenCompose(acknowledged -> acknowledged)
          .whenComplete(
              (done, failure) -> {
                state.inFlight.remove(referralId);
                claim.close();
                if (failure != null) {
                  state.rescan.set(true);
                  log.warn(
                      "Delivery of {} to {} failed, trying again later: {}",
                      referralId,
                      provider.id(),
                      failure.toString());
                }
              });
    } catch (RuntimeException e) {
      // The pool refused it (shutting down).
      state.inFlight.remove(referralId);
      claim.close();
      throw e;
    }
  }

  /**
   * Delivers one referral and sends its {@code ReferralDelivered} without waiting for the ack. The
   * returned future completes when the ack came or failed: only an acknowledged event marks the
   * referral delivered (the publisher applies it to the view); after a failed one the referral
   * stays undelivered and a later pass records the same event again, without delivering again. At
   * most {@code adapter.delivery.unacknowledged-limit} events per provider await their ack.
   */
  private CompletableFuture<Void> deliver(
      AdapterProperties.Provider provider, ReferralState referral, Lane state) {
    ReferralDelivered earlier = unrecorded.remove(referral.referralId());
    if (earlier != null) {
      log.info("Recording the earlier delivery to {} again", provider.id());
      return record(provider, referral, state, earlier);
    }
    ReferralSubmitted submitted = referral.submitted();
    if (awaitsConsent(submitted, state)) {
      return DONE;
    }
    PolicyDecision consent = checkConsent(provider, submitted);
    if (consent instanceof PolicyDecision.Rejected refused) {
      String code =
          refused.policy().equals("consent-revoked") ? "consent-revoked" : refused.policy();
      log.info("Not delivering: consent policy {} refused", refused.policy());
      counter("adapter.deliveries", provider.id(), "consent-refused").increment();
      fail(
          referral,
          ReferralStatus.CANCELLED,
          code,
          "The consent no longer covers this referral: " + refused.reason());
      return DONE;
    }
    ProviderAdapter adapter = providers.adapterFor(provider);
    DeliveryReceipt receipt;
    try {
      OutboundReferral outbound =
          withPart2Package(
              submitted,
              opener.open(
                  submitted,
                  provider.allowedFields(),
                  // As read from the log, which checkConsent just found covering the referral.
                  consents
                      .get(submitted.getConsent().getConsentId())
                      .map(c -> c.details().getInformationCategories())
                      .orElse(List.of()),
                  ResponseDeadline.of(submitted, provider).respondBy()));
      receipt = adapter.deliver(provider.settings(), outbound);
    } catch (ProviderUnavailableException e) {
      retryLater(provider, referral, e);
      state.rescan.set(true);
      return DONE;
    } catch (ProviderRejectedException | EnvelopeException e) {
      counter("adapter.deliveries", provider.id(), "rejected").increment();
      deadLetter(submitted, e);
      fail(
          referral,
          ReferralStatus.FAILED,
          "delivery-failed",
          "The provider's system refused the referral.");
      return DONE;
    }
    int count =
        attempts.getOrDefault(referral.referralId(), new Attempts(0, Instant.EPOCH)).count() + 1;
    ReferralDelivered delivered =
        ReferralDelivered.newBuilder()
            .setEventId(uuid("delivered", referral.referralId()))
            .setOccurredAt(clock.instant())
            .setReferralId(referral.referralId())
            .setProviderId(provider.id())
            .setProviderReference(receipt.providerReference())
            .setAttempts(count)
            .build();
    return record(provider, referral, state, delivered);
  }

  /**
   * Sends the disclosure's record and, once it is acknowledged, {@code delivered}, without waiting
   * for the acks; the returned future completes when both acks came or one failed. After a failure
   * the event waits in {@link #unrecorded} for the next pass.
   *
   * <p>Chained rather than sent together, so a {@code ReferralDelivered} on the log always has its
   * disclosure on the log before it: a crash between the two leaves the referral undelivered (it is
   * delivered again, and {@link Disclosures} finds the record already there), never delivered
   * without its accounting. The chain holds during a graceful handover: the claim keeps {@link
   * WorkOwnership} waiting for both acks, and the producer (its factory stops in the last lifecycle
   * phase) and {@link #recorder} (stopped at destruction) outlive that wait.
   */
  private CompletableFuture<Void> record(
      AdapterProperties.Provider provider,
      ReferralState referral,
      Lane state,
      ReferralDelivered delivered) {
    try {
      state.unacknowledged.acquire();
    } catch (InterruptedException e) {
      // Shutting down: the referral stays undelivered and is delivered again after the restart.
      Thread.currentThread().interrupt();
      return DONE;
    }
    CompletableFuture<?> acknowledged;
    try {
      // The accounting of disclosures first: the referral counts as delivered only once both are
      // acknowledged, and a disclosure already on its topic (recorded before a failed
      // ReferralDelivered or a restart) is not recorded again.
      acknowledged =
          disclosures
              .delivered(referral.submitted(), delivered.getOccurredAt())
              .thenCompose(
                  recorded ->
                      onRecorder(
                          () ->
                              publisher.publishAsync(
                                  Topics.REFERRAL_DELIVERED, referral.referralId(), delivered)));
    } catch (RuntimeException e) {
      state.unacknowledged.release();
      throw e;
    }
    return acknowledged.handle(
        (metadata, failure) -> {
          state.unacknowledged.release();
          withReferralId(
              referral,
              () -> {
                if (failure == null) {
                  attempts.remove(referral.referralId());
                  counter("adapter.deliveries", provider.id(), "delivered").increment();
                  log.info(
                      "Delivered to {} as {}", provider.id(), delivered.getProviderReference());
                } else {
                  unrecorded.put(referral.referralId(), delivered);
                  state.rescan.set(true);
                  counter("adapter.deliveries", provider.id(), "unacknowledged").increment();
                  log.warn(
                      "Delivered to {}, but ReferralDelivered was not acknowledged; recording it"
                          + " again later: {}",
                      provider.id(),
                      (failure.getCause() == null ? failure : failure.getCause()).getMessage());
                }
                return null;
              });
          return null;
        });
  }

  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  /**
   * {@code send} run on {@link #recorder}, never on the thread that completed the previous step;
   * fails rather than never completes once the recorder has stopped.
   */
  private <T> CompletableFuture<T> onRecorder(Supplier<CompletableFuture<T>> send) {
    try {
      return CompletableFuture.supplyAsync(send, recorder).thenCompose(sent -> sent);
    } catch (RejectedExecutionException stopped) {
      return CompletableFuture.failedFuture(stopped);
    }
  }

  private void retryLater(
      AdapterProperties.Provider provider, ReferralState referral, RuntimeException cause) {
    AdapterProperties.Delivery policy = properties.delivery();
    Attempts before = attempts.getOrDefault(referral.referralId(), new Attempts(0, Instant.EPOCH));
    int count = before.count() + 1;
    counter("adapter.deliveries", provider.id(), "retry").increment();
    if (count >= policy.attempts()) {
      log.warn(
          "Giving up delivery to {} after {} attempts: {}",
          provider.id(),
          count,
          cause.getMessage());
      deadLetter(referral.submitted(), cause);
      fail(
          referral,
          ReferralStatus.FAILED,
          "delivery-failed",
          "The provider's system could not be reached after " + count + " attempts.");
      attempts.remove(referral.referralId());
      return;
    }
    double factor = Math.pow(policy.multiplier(), count - 1);
    Duration wait =
        Duration.ofMillis(
            (long)
                Math.min(
                    policy.maxBackoff().toMillis(), policy.initialBackoff().toMillis() * factor));
    attempts.put(referral.referralId(), new Attempts(count, clock.instant().plus(wait)));
    log.info("Provider {} unavailable (attempt {}), retrying in {}", provider.id(), count, wait);
  }

  /** Withdraws at the provider; false when it must be tried again (provider unavailable). */
  private boolean withdraw(AdapterProperties.Provider provider, ReferralState referral) {
    MDC.put("referralId", referral.referralId());
    try {
      // The real reason (consent-revoked, no-response, …) travels; only codes, never free text.
      String reason = referral.statusReason().orElse("cancelled");
      providers
          .adapterFor(provider)
          .withdraw(
              provider.settings(),
              new TrackedReferral(referral.referralId(), referral.providerReference().get()),
              reason,
              "The referral was withdrawn ("
                  + referral.status().name().toLowerCase(java.util.Locale.ROOT)
                  + ": "
                  + reason
                  + ").");
      // Accounted for once the provider took it; a broker failure here tries the (idempotent)
      // withdrawal again on a later pass, so it is never left unrecorded.
      disclosures.withdrawn(referral.submitted(), reason, clock.instant());
      withdrawn.add(referral.referralId());
      counter("adapter.withdrawals", provider.id(), null).increment();
      return true;
    } catch (org.referralexchange.kafka.BrokerUnavailableException e) {
      log.warn("Withdrawn at {}, but its disclosure was not recorded; again later", provider.id());
      return false;
    } catch (ProviderUnavailableException e) {
      log.info("Withdrawal from {} postponed: provider unavailable", provider.id());
      return false;
    } catch (ProviderRejectedException e) {
      withdrawn.add(referral.referralId());
      log.warn("Provider {} refused the withdrawal: {}", provider.id(), e.getMessage());
      return true;
    } finally {
      MDC.remove("referralId");
    }
  }

  /**
   * Asks the provider what changed (one call for all its open referrals, whichever instance owns
   * them) and hands the answers to {@link PolledReports}, which judges each report of a referral
   * this instance owns, under its claim.
   */
  private void poll(AdapterProperties.Provider provider) {
    List<TrackedReferral> open = new ArrayList<>();
    for (ReferralState referral : referrals.openDelivered(provider.id())) {
      open.add(
          new TrackedReferral(
              referral.referralId(),
              referral.providerReference().get(),
              referral.submitted().getOccurredAt()));
    }
    List<ProviderStatusUpdate> updates;
    try {
      updates = providers.adapterFor(provider).poll(provider.settings(), open);
    } catch (ProviderUnavailableException | ProviderRejectedException e) {
      log.info("Polling {} failed: {}", provider.id(), e.getMessage());
      updates = List.of();
    }
    polledReports.settle(provider, updates, open);
  }

  /**
   * Whether the referral should wait for its consent rather than be checked now: the gateway
   * recorded the consent before it accepted the referral, but this instance reads the two topics
   * independently, so a consent not read yet is usually on its way. Waiting is bounded by {@code
   * adapter.delivery.consent-wait}; after that the consent policies run and refuse it as {@code
   * consent-not-found}. A later tick looks at the referral again.
   */
  private boolean awaitsConsent(ReferralSubmitted submitted, Lane state) {
    String referralId = submitted.getReferralId();
    if (consents.get(submitted.getConsent().getConsentId()).isPresent()) {
      awaitingConsent.remove(referralId);
      return false;
    }
    Instant now = clock.instant();
    Instant since = awaitingConsent.computeIfAbsent(referralId, id -> now);
    if (now.isBefore(since.plus(properties.delivery().consentWait()))) {
      if (since.equals(now)) {
        log.info("Consent not read yet; the referral waits for it");
      }
      state.rescan.set(true);
      return true;
    }
    awaitingConsent.remove(referralId);
    return false;
  }

  /** The referral with the 42 CFR 2.32 notice and scope when it carries Part 2 information. */
  private OutboundReferral withPart2Package(
      ReferralSubmitted submitted, OutboundReferral outbound) {
    return consents
        .get(submitted.getConsent().getConsentId())
        .flatMap(consent -> Part2Package.of(submitted, consent.details()))
        .map(outbound::withPart2)
        .orElse(outbound);
  }

  private PolicyDecision checkConsent(
      AdapterProperties.Provider provider, ReferralSubmitted submitted) {
    Optional<ConsentStateView.Consent> consent =
        consents.get(submitted.getConsent().getConsentId());
    return ConsentPolicy.evaluateAll(
        new ConsentCheck(
            consent.map(ConsentStateView.Consent::effective),
            consent.map(ConsentStateView.Consent::revoked).orElse(false),
            clock.instant(),
            submitted.getReferrer().getAgencyId(),
            submitted.getClient().getClientPseudonym(),
            provider.id(),
            provider.serviceCategories(),
            Set.copyOf(submitted.getConsent().getInformationCategories()),
            submitted.getConsent().getPurpose(),
            provider.treatingProvider()));
  }

  private void fail(ReferralState referral, ReferralStatus status, String code, String text) {
    publisher.publish(
        Topics.REFERRAL_STATUS_CHANGED,
        referral.referralId(),
        ReferralStatusChanged.newBuilder()
            .setEventId(uuid(code, referral.referralId()))
            .setOccurredAt(clock.instant())
            .setReferralId(referral.referralId())
            .setProviderId(referral.providerId())
            .setStatus(status)
            .setReason(Reason.newBuilder().setCode(code).setText(text).build())
            .setActor(
                Actor.newBuilder()
                    .setRole(ActorRole.EXCHANGE)
                    .setOrganizationId("exchange")
                    .build())
            .build());
  }

  /** The submitted event, as it was (client data still sealed), with why it failed. */
  private void deadLetter(ReferralSubmitted submitted, RuntimeException cause) {
    var record =
        new org.apache.kafka.clients.producer.ProducerRecord<
            String, org.apache.avro.specific.SpecificRecord>(
            Topics.REFERRAL_SUBMITTED.deadLetterTopic(), submitted.getReferralId(), submitted);
    record.headers().add("exchange-dlt-reason", "delivery-failed".getBytes(StandardCharsets.UTF_8));
    record
        .headers()
        .add(
            "exchange-dlt-cause",
            cause.getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
    record
        .headers()
        .add(
            "exchange-dlt-message",
            String.valueOf(cause.getMessage()).getBytes(StandardCharsets.UTF_8));
    try {
      deadLetters.send(record).join();
      meters.counter("adapter.dead_letters", "topic", Topics.REFERRAL_SUBMITTED.name()).increment();
    } catch (RuntimeException e) {
      // The failure itself is already published; the dead letter is the operator's copy.
      log.error(
          "Could not write the dead letter for {}: {}", submitted.getReferralId(), e.toString());
    }
  }

  private static <T> T withReferralId(ReferralState referral, Supplier<T> action) {
    MDC.put("referralId", referral.referralId());
    try {
      return action.get();
    } finally {
      MDC.remove("referralId");
    }
  }

  static UUID uuid(String what, String referralId) {
    return UUID.nameUUIDFromBytes((what + "\u0000" + referralId).getBytes(StandardCharsets.UTF_8));
  }

  @PreDestroy
  void stop() {
    lanes.values().forEach(ExecutorService::shutdownNow);
    deliveryPools.values().forEach(ExecutorService::shutdownNow);
    // Not shutdownNow: a dropped send would leave its delivery's future never completed.
    recorder.shutdown();
  }
}
