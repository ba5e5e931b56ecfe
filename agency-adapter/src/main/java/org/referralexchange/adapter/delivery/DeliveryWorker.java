package org.referralexchange.adapter.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.config.ProviderDirectory;
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
 * <p>Delivery failures back off exponentially per referral; after the last attempt, or at once when
 * the provider refuses it for good, the referral fails with reason {@code delivery-failed} and its
 * event goes to the dead-letter topic with the cause in the headers.
 */
@Component
public class DeliveryWorker {

  private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
  private static final Set<ActorRole> WITHDRAWING =
      EnumSet.of(ActorRole.REQUESTER, ActorRole.EXCHANGE);

  private final ReferralStateView referrals;
  private final ConsentStateView consents;
  private final ProviderDirectory providers;
  private final ClientDataOpener opener;
  private final EventPublisher publisher;
  private final StatusRecorder statuses;
  private final KafkaTemplate<String, org.apache.avro.specific.SpecificRecord> deadLetters;
  private final EventLog eventLog;
  private final AdapterProperties properties;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Map<String, ExecutorService> lanes = new ConcurrentHashMap<>();
  private final Map<String, AtomicBoolean> busy = new ConcurrentHashMap<>();
  private final Map<String, Attempts> attempts = new ConcurrentHashMap<>();
  private final Set<String> withdrawn = ConcurrentHashMap.newKeySet();
  private final Map<String, Instant> lastPoll = new ConcurrentHashMap<>();

  /** The view's version when each provider's withdrawals were last all done. */
  private final Map<String, Long> withdrawalsScannedAt = new ConcurrentHashMap<>();

  /** Failed attempts so far and when to try again. */
  private record Attempts(int count, Instant nextAt) {}

  DeliveryWorker(
      ReferralStateView referrals,
      ConsentStateView consents,
      ProviderDirectory providers,
      ClientDataOpener opener,
      EventPublisher publisher,
      StatusRecorder statuses,
      KafkaTemplate<String, org.apache.avro.specific.SpecificRecord> eventTemplate,
      EventLog eventLog,
      AdapterProperties properties,
      Clock clock,
      MeterRegistry meters) {
    this.referrals = referrals;
    this.consents = consents;
    this.providers = providers;
    this.opener = opener;
    this.publisher = publisher;
    this.statuses = statuses;
    this.deadLetters = eventTemplate;
    this.eventLog = eventLog;
    this.properties = properties;
    this.clock = clock;
    this.meters = meters;
  }

  @Scheduled(fixedDelayString = "${adapter.tick-interval}")
  public void tick() {
    if (!eventLog.caughtUp()) {
      return;
    }
    for (AdapterProperties.Provider provider : providers.all()) {
      if (!provider.enabled()) {
        continue;
      }
      AtomicBoolean running = busy.computeIfAbsent(provider.id(), id -> new AtomicBoolean());
      if (running.compareAndSet(false, true)) {
        lane(provider.id())
            .execute(
                () -> {
                  try {
                    work(provider);
                  } catch (RuntimeException e) {
                    log.warn("Work for provider {} failed: {}", provider.id(), e.toString());
                  } finally {
                    running.set(false);
                  }
                });
      }
    }
  }

  private final Map<String, ExecutorService> deliveryPools = new ConcurrentHashMap<>();

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

  private void work(AdapterProperties.Provider provider) {
    Instant now = clock.instant();
    List<java.util.concurrent.CompletableFuture<Void>> inFlight = new java.util.ArrayList<>();
    ExecutorService deliveries = deliveryPool(provider.id());
    for (ReferralState referral : referrals.undelivered(provider.id())) {
      Attempts tried = attempts.get(referral.referralId());
      if (tried == null || !now.isBefore(tried.nextAt())) {
        inFlight.add(
            java.util.concurrent.CompletableFuture.runAsync(
                () -> withReferralId(referral, () -> deliver(provider, referral)), deliveries));
      }
    }
    inFlight.forEach(java.util.concurrent.CompletableFuture::join);
    long version = referrals.version();
    Long scanned = withdrawalsScannedAt.get(provider.id());
    if (scanned == null || scanned != version) {
      boolean allDone = true;
      for (ReferralState referral :
          referrals.find(
              r ->
                  r.providerId().equals(provider.id())
                      && r.delivered()
                      && r.status() == ReferralStatus.CANCELLED
                      && WITHDRAWING.contains(r.statusSetBy())
                      && !withdrawn.contains(r.referralId()))) {
        allDone &= withdraw(provider, referral);
      }
      if (allDone) {
        withdrawalsScannedAt.put(provider.id(), version);
      }
    }
    Instant polled = lastPoll.get(provider.id());
    if (polled == null || !now.isBefore(polled.plus(provider.pollInterval()))) {
      lastPoll.put(provider.id(), now);
      poll(provider);
    }
  }

  private void deliver(AdapterProperties.Provider provider, ReferralState referral) {
    ReferralSubmitted submitted = referral.submitted();
    PolicyDecision consent = checkConsent(provider, submitted);
    if (consent instanceof PolicyDecision.Rejected refused) {
      String code =
          refused.policy().equals("consent-revoked") ? "consent-revoked" : refused.policy();
      log.info("Not delivering: consent policy {} refused", refused.policy());
      meters
          .counter("adapter.deliveries", "provider", provider.id(), "outcome", "consent-refused")
          .increment();
      fail(
          referral,
          ReferralStatus.CANCELLED,
          code,
          "The consent no longer covers this referral: " + refused.reason());
      return;
    }
    ProviderAdapter adapter = providers.adapterFor(provider);
    try {
      OutboundReferral outbound = opener.open(submitted, provider.allowedFields());
      DeliveryReceipt receipt = adapter.deliver(provider.settings(), outbound);
      int count =
          attempts.getOrDefault(referral.referralId(), new Attempts(0, Instant.EPOCH)).count() + 1;
      publisher.publish(
          Topics.REFERRAL_DELIVERED,
          referral.referralId(),
          ReferralDelivered.newBuilder()
              .setEventId(uuid("delivered", referral.referralId()))
              .setOccurredAt(clock.instant())
              .setReferralId(referral.referralId())
              .setProviderId(provider.id())
              .setProviderReference(receipt.providerReference())
              .setAttempts(count)
              .build());
      attempts.remove(referral.referralId());
      meters
          .counter("adapter.deliveries", "provider", provider.id(), "outcome", "delivered")
          .increment();
      log.info("Delivered to {} as {}", provider.id(), receipt.providerReference());
    } catch (ProviderUnavailableException e) {
      retryLater(provider, referral, e);
    } catch (ProviderRejectedException | EnvelopeException e) {
      meters
          .counter("adapter.deliveries", "provider", provider.id(), "outcome", "rejected")
          .increment();
      deadLetter(submitted, e);
      fail(
          referral,
          ReferralStatus.FAILED,
          "delivery-failed",
          "The provider's system refused the referral.");
    }
  }

  private void retryLater(
      AdapterProperties.Provider provider, ReferralState referral, RuntimeException cause) {
    AdapterProperties.Delivery policy = properties.delivery();
    Attempts before = attempts.getOrDefault(referral.referralId(), new Attempts(0, Instant.EPOCH));
    int count = before.count() + 1;
    meters.counter("adapter.deliveries", "provider", provider.id(), "outcome", "retry").increment();
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
      Optional<String> reason = Optional.of(referral.status().name());
      providers
          .adapterFor(provider)
          .withdraw(
              provider.settings(),
              new TrackedReferral(referral.referralId(), referral.providerReference().get()),
              "cancelled",
              "The referral was cancelled (" + reason.get().toLowerCase() + ").");
      withdrawn.add(referral.referralId());
      meters.counter("adapter.withdrawals", "provider", provider.id()).increment();
      return true;
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

  private void poll(AdapterProperties.Provider provider) {
    List<TrackedReferral> open =
        referrals
            .find(
                r ->
                    r.providerId().equals(provider.id())
                        && r.delivered()
                        && org.referralexchange.policy.ReferralLifecycle.isOpen(r.status()))
            .stream()
            .map(r -> new TrackedReferral(r.referralId(), r.providerReference().get()))
            .toList();
    if (open.isEmpty()) {
      return;
    }
    List<ProviderStatusUpdate> updates;
    try {
      updates = providers.adapterFor(provider).poll(provider.settings(), open);
    } catch (ProviderUnavailableException | ProviderRejectedException e) {
      log.info("Polling {} failed: {}", provider.id(), e.getMessage());
      return;
    }
    for (ProviderStatusUpdate update : updates) {
      try {
        statuses.accept(provider.settings(), update);
      } catch (ProviderRejectedException | ProviderUnavailableException e) {
        log.info("Polled update not recorded: {}", e.getMessage());
      }
    }
  }

  private PolicyDecision checkConsent(
      AdapterProperties.Provider provider, ReferralSubmitted submitted) {
    Optional<ConsentStateView.Consent> consent =
        consents.get(submitted.getConsent().getConsentId());
    return ConsentPolicy.evaluateAll(
        new ConsentCheck(
            consent.map(ConsentStateView.Consent::details),
            consent.map(ConsentStateView.Consent::revoked).orElse(false),
            clock.instant(),
            submitted.getReferrer().getAgencyId(),
            submitted.getClient().getClientPseudonym(),
            provider.id(),
            provider.serviceCategories(),
            Set.copyOf(submitted.getConsent().getInformationCategories()),
            submitted.getConsent().getPurpose()));
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

  private static void withReferralId(ReferralState referral, Runnable action) {
    MDC.put("referralId", referral.referralId());
    try {
      action.run();
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
  }
}
