package org.referralexchange.adapter.referral;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.OverdueStage;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.kafka.EventView;
import org.referralexchange.policy.EventPlausibility;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.policy.ReferralLifecycle;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Every referral's state from the referral topics. The topics are read independently, so events
 * about a referral may arrive before its submission; they wait until it does. Repeated events (same
 * {@code eventId}) change nothing.
 */
@Component
public class ReferralStateView implements EventView {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(ReferralStateView.class);

  /** Who may cancel a delivered referral so that it is withdrawn at the provider. */
  private static final Set<ActorRole> WITHDRAWING =
      EnumSet.of(ActorRole.REQUESTER, ActorRole.EXCHANGE);

  private final Map<String, ReferralState> byId = new HashMap<>();
  private final Map<String, List<SpecificRecord>> early = new HashMap<>();
  private final Set<UUID> seen = new HashSet<>();

  /**
   * Indexes kept beside the states, so the frequent questions (what is left to deliver to this
   * provider, what awaits an answer) do not scan every referral ever seen.
   */
  private final Map<String, Set<String>> undeliveredByProvider = new HashMap<>();

  private final Set<String> awaitingAnswer = new HashSet<>();

  /** Delivered referrals still open: what a pull-based provider is polled about. */
  private final Map<String, Set<String>> openDeliveredByProvider = new HashMap<>();

  /** Delivered referrals the requester or the exchange cancelled: to withdraw at the provider. */
  private final Map<String, Set<String>> withdrawableByProvider = new HashMap<>();

  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Told when a referral enters one of the view's indexes, so work can start at once instead of at
   * the next tick. Called on the thread that applies the event, while the view is locked: a
   * listener must only hand the news on (set a flag, queue an id), never block or call back into
   * the view.
   */
  public interface Listener {

    /** The referral is now REQUESTED and not delivered: there is a delivery to make. */
    default void undelivered(ReferralState referral) {}

    /** The referral is now REQUESTED and unanswered: its response clock runs. */
    default void awaitingAnswer(ReferralState referral) {}

    /** The referral was delivered and then cancelled: there is a withdrawal to make. */
    default void withdrawable(ReferralState referral) {}
  }

  /** Counts changes, so a reader can tell whether anything happened since it last looked. */
  private long version;

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(
        Topics.REFERRAL_SUBMITTED,
        Topics.REFERRAL_STATUS_CHANGED,
        Topics.REFERRAL_DELIVERED,
        Topics.REFERRAL_OVERDUE);
  }

  @Override
  public synchronized void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ReferralSubmitted submitted) {
      if (!byId.containsKey(submitted.getReferralId())) {
        putIndexed(
            submitted.getReferralId(),
            new ReferralState(
                submitted,
                ReferralStatus.REQUESTED,
                ActorRole.REQUESTER,
                Optional.empty(),
                false,
                Set.of(),
                Optional.empty()));
        for (SpecificRecord waiting : early.getOrDefault(submitted.getReferralId(), List.of())) {
          later(waiting);
        }
        early.remove(submitted.getReferralId());
      }
      return;
    }
    if (!byId.containsKey(key)) {
      early.computeIfAbsent(key, k -> new ArrayList<>()).add(event);
      return;
    }
    later(event);
  }

  /**
   * A status change read from the log must follow the referral's status as the status topic told it
   * (REQUESTED before any change) and name the provider the referral was submitted to.
   */
  @Override
  public synchronized PolicyDecision check(TopicSpec topic, String key, SpecificRecord event) {
    if (!(event instanceof ReferralStatusChanged changed) || seen.contains(changed.getEventId())) {
      return PolicyDecision.allowed();
    }
    List<SpecificRecord> waiting = early.getOrDefault(changed.getReferralId(), List.of());
    if (waiting.stream()
        .anyMatch(
            e ->
                e instanceof ReferralStatusChanged w
                    && w.getEventId().equals(changed.getEventId()))) {
      return PolicyDecision.allowed(); // a repeat changes nothing
    }
    ReferralState known = byId.get(changed.getReferralId());
    if (known != null) {
      PolicyDecision provider =
          EventPlausibility.sameProvider(known.providerId(), changed.getProviderId());
      if (!provider.isAllowed()) {
        return provider;
      }
    }
    ReferralStatus current = known != null ? known.status() : ReferralStatus.REQUESTED;
    for (SpecificRecord e : waiting) {
      if (e instanceof ReferralStatusChanged w) {
        current = w.getStatus();
      }
    }
    return EventPlausibility.follows(current, changed);
  }

  private void later(SpecificRecord event) {
    if (event instanceof ReferralStatusChanged changed
        && byId.containsKey(changed.getReferralId())
        && !byId.get(changed.getReferralId()).providerId().equals(changed.getProviderId())) {
      // Read before its submission, so not checked against it then; impossible, so left out.
      log.warn("Left out a status change naming another provider ({})", changed.getStatus());
      return;
    }
    if (event instanceof ReferralStatusChanged changed
        && seen.add(changed.getEventId())
        && changed.getStatus() != ReferralStatus.RECEIVED) {
      // An older record's RECEIVED reads as still requested: it changes nothing. A recorded jump
      // (requested to completed) is applied like a step: the statuses it skipped are history.
      computeIndexed(
          changed.getReferralId(),
          (id, s) ->
              new ReferralState(
                  s.submitted(),
                  changed.getStatus(),
                  changed.getActor().getRole(),
                  s.providerReference()
                      .or(() -> Optional.ofNullable(changed.getProviderReference())),
                  s.providerAnswered() || changed.getActor().getRole() == ActorRole.PROVIDER,
                  s.overdue(),
                  Optional.ofNullable(changed.getReason()).map(r -> r.getCode())));
    } else if (event instanceof ReferralDelivered delivered && seen.add(delivered.getEventId())) {
      computeIndexed(
          delivered.getReferralId(),
          (id, s) ->
              new ReferralState(
                  s.submitted(),
                  s.status(),
                  s.statusSetBy(),
                  Optional.of(delivered.getProviderReference()),
                  s.providerAnswered(),
                  s.overdue(),
                  s.statusReason()));
    } else if (event instanceof ReferralOverdue overdue && seen.add(overdue.getEventId())) {
      computeIndexed(
          overdue.getReferralId(),
          (id, s) -> {
            Set<OverdueStage> stages = EnumSet.noneOf(OverdueStage.class);
            stages.addAll(s.overdue());
            stages.add(overdue.getStage());
            return new ReferralState(
                s.submitted(),
                s.status(),
                s.statusSetBy(),
                s.providerReference(),
                s.providerAnswered(),
                stages,
                s.statusReason());
          });
    }
  }

  private void putIndexed(String referralId, ReferralState state) {
    version++;
    byId.put(referralId, state);
    index(state);
  }

  private void computeIndexed(
      String referralId,
      java.util.function.BiFunction<String, ReferralState, ReferralState> change) {
    ReferralState changed = byId.computeIfPresent(referralId, change);
    version++;
    if (changed != null) {
      index(changed);
    }
  }

  /** Keeps the indexes true to a referral's new state. */
  private void index(ReferralState state) {
    boolean newlyUndelivered = false;
    Set<String> undelivered =
        undeliveredByProvider.computeIfAbsent(state.providerId(), p -> new HashSet<>());
    boolean waiting = state.status() == ReferralStatus.REQUESTED;
    if (waiting && !state.delivered()) {
      newlyUndelivered = undelivered.add(state.referralId());
    } else {
      undelivered.remove(state.referralId());
    }
    if (waiting && !state.providerAnswered()) {
      if (awaitingAnswer.add(state.referralId())) {
        listeners.forEach(l -> l.awaitingAnswer(state));
      }
    } else {
      awaitingAnswer.remove(state.referralId());
    }
    Set<String> openDelivered =
        openDeliveredByProvider.computeIfAbsent(state.providerId(), p -> new HashSet<>());
    if (state.delivered() && ReferralLifecycle.isOpen(state.status())) {
      openDelivered.add(state.referralId());
    } else {
      openDelivered.remove(state.referralId());
    }
    if (newlyUndelivered) {
      // After the awaiting index, so a listener woken here finds the referral in both.
      listeners.forEach(l -> l.undelivered(state));
    }
    if (state.delivered()
        && state.status() == ReferralStatus.CANCELLED
        && WITHDRAWING.contains(state.statusSetBy())
        && withdrawableByProvider
            .computeIfAbsent(state.providerId(), p -> new HashSet<>())
            .add(state.referralId())) {
      listeners.forEach(l -> l.withdrawable(state));
    }
  }

  /** Registers a listener; see {@link Listener} for what it may do. */
  public void listen(Listener listener) {
    listeners.add(listener);
  }

  /** Referrals submitted to this provider, still REQUESTED and not yet delivered. */
  public synchronized List<ReferralState> undelivered(String providerId) {
    return undeliveredByProvider.getOrDefault(providerId, Set.of()).stream()
        .map(byId::get)
        .toList();
  }

  /** Referrals delivered to this provider and still open: what polling asks the provider about. */
  public synchronized List<ReferralState> openDelivered(String providerId) {
    return openDeliveredByProvider.getOrDefault(providerId, Set.of()).stream()
        .map(byId::get)
        .toList();
  }

  /**
   * Delivered referrals to this provider that the requester or the exchange cancelled, withdrawn at
   * the provider or not: the caller keeps track of what it withdrew.
   */
  public synchronized List<ReferralState> withdrawable(String providerId) {
    return withdrawableByProvider.getOrDefault(providerId, Set.of()).stream()
        .map(byId::get)
        .toList();
  }

  /** Referrals still REQUESTED that no provider has answered: the response clock's list. */
  public synchronized List<ReferralState> awaitingAnswer() {
    return awaitingAnswer.stream().map(byId::get).toList();
  }

  /** Grows with every change to any referral. */
  public synchronized long version() {
    return version;
  }

  public synchronized Optional<ReferralState> get(String referralId) {
    return Optional.ofNullable(byId.get(referralId));
  }

  public synchronized List<ReferralState> find(Predicate<ReferralState> filter) {
    return byId.values().stream().filter(filter).toList();
  }
}
