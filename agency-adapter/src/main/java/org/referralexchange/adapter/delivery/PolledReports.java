package org.referralexchange.adapter.delivery;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStateSink;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.referralexchange.adapter.referral.ReferralState;
import org.referralexchange.adapter.referral.ReferralStateView;
import org.referralexchange.adapter.refusal.RefusalReporter;
import org.referralexchange.kafka.WorkOwnership;
import org.referralexchange.policy.ReferralLifecycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * What polls brought back, until it is settled. A polled report is judged once per version of the
 * provider's record: the adapter kind reports a version once, and here it waits until it was
 * recorded, found to be nothing new, or refused and reported ({@link RefusalReporter}). It stays
 * when it could not be judged now (the broker or the log not ready: tried again at the next poll)
 * and while another instance owns the referral and the referral is open (if the referral moves
 * here, its latest report is at hand, although the provider will not show that version again). A
 * version refused before, by this instance before a restart or by another, is not judged again.
 */
@Component
class PolledReports implements ProviderStateSink {

  private static final Logger log = LoggerFactory.getLogger(PolledReports.class);

  /** Per provider, the latest unsettled report of each referral. */
  private final Map<String, Map<String, ProviderStatusUpdate>> pending = new ConcurrentHashMap<>();

  private final ReferralStateView referrals;
  private final StatusRecorder statuses;
  private final WorkOwnership ownership;
  private final RefusalReporter refusals;

  PolledReports(
      ReferralStateView referrals,
      StatusRecorder statuses,
      WorkOwnership ownership,
      RefusalReporter refusals) {
    this.referrals = referrals;
    this.statuses = statuses;
    this.ownership = ownership;
    this.refusals = refusals;
  }

  private enum Settled {
    YES,
    NOT_OURS,
    LATER
  }

  /** Takes one poll's reports (a newer one replaces an older one) and settles what it can. */
  void settle(
      AdapterProperties.Provider provider,
      List<ProviderStatusUpdate> polled,
      Collection<TrackedReferral> open) {
    Map<String, ProviderStatusUpdate> waiting =
        pending.computeIfAbsent(provider.id(), id -> new ConcurrentHashMap<>());
    polled.forEach(update -> waiting.put(update.referralId(), update));
    Set<String> openIds =
        open.stream().map(TrackedReferral::referralId).collect(Collectors.toSet());
    for (Iterator<ProviderStatusUpdate> it = waiting.values().iterator(); it.hasNext(); ) {
      ProviderStatusUpdate update = it.next();
      Settled settled = settle(provider.settings(), update);
      if (settled == Settled.YES
          || (settled == Settled.NOT_OURS && !openIds.contains(update.referralId()))) {
        it.remove();
      }
    }
  }

  /**
   * A report that came outside a poll (a subscription notification), judged at once as a polled one
   * is. One for a referral another instance owns is left to that instance's polls, which will find
   * the same version.
   */
  @Override
  public void report(ProviderSettings provider, ProviderStatusUpdate update) {
    if (settle(provider, update) == Settled.LATER) {
      throw new ProviderUnavailableException(
          "The report for referral " + update.referralId() + " could not be judged now; retry",
          null);
    }
  }

  private Settled settle(ProviderSettings provider, ProviderStatusUpdate update) {
    Optional<ReferralState> known =
        referrals.get(update.referralId()).filter(r -> r.providerId().equals(provider.id()));
    if (known.isEmpty()) {
      // A Task with our identifier for a referral this exchange never sent there (another
      // environment sharing the server, or a copy): nothing to judge.
      log.debug("Polled report for a referral not sent to {}: ignored", provider.id());
      return Settled.YES;
    }
    if (refusals.alreadyReported(update)) {
      return Settled.YES;
    }
    Optional<WorkOwnership.Claim> claim = ownership.claim(update.referralId());
    if (claim.isEmpty()) {
      return Settled.NOT_OURS;
    }
    MDC.put("referralId", update.referralId());
    try (WorkOwnership.Claim held = claim.get()) {
      try {
        // A polled record shows its status now: one the referral has passed is impossible.
        statuses.record(provider, update, ReferralLifecycle.ReportKind.STATE);
      } catch (StatusRefusedException refused) {
        refusals.report(
            provider.id(),
            update,
            referrals.get(update.referralId()).map(ReferralState::status).orElseThrow(),
            refused.policy(),
            refused.reason());
      }
      return Settled.YES;
    } catch (ProviderRejectedException e) {
      log.info("Polled update not recorded: {}", e.getMessage());
      return Settled.YES;
    } catch (RuntimeException e) {
      // The broker or the log not ready (ProviderUnavailableException, BrokerUnavailableException,
      // a schema not at hand): the same report is judged again at the next poll.
      log.info("Polled update not recorded yet, trying again at the next poll: {}", e.toString());
      return Settled.LATER;
    } finally {
      MDC.remove("referralId");
    }
  }
}
