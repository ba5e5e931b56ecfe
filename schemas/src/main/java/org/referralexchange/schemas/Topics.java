package org.referralexchange.schemas;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.referralexchange.events.v1.ConsentExpired;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.events.v1.DisclosureRecorded;
import org.referralexchange.events.v1.IntakePageViewed;
import org.referralexchange.events.v1.NotificationRecorded;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.events.v1.ProviderReportRefused;
import org.referralexchange.events.v1.ReferralDelivered;
import org.referralexchange.events.v1.ReferralOverdue;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;

/**
 * Every topic of the exchange, in one immutable place. Services refer to these constants, never to
 * topic-name strings of their own.
 *
 * <p>Referral topics are keyed by referral id and have the same partition count, so a referral's
 * submitted, status and overdue events land on the same partition number and each stays in order.
 * Retention of referral topics is unlimited: Kafka is the exchange's record of what happened.
 */
public final class Topics {

  /** Suffix of dead-letter topics, as Spring Kafka's DeadLetterPublishingRecoverer names them. */
  public static final String DEAD_LETTER_SUFFIX = "-dlt";

  /** Partition count of the referral topics. */
  public static final int REFERRAL_PARTITIONS = 6;

  /** Referrals that passed the consent check, keyed by referral id. */
  public static final TopicSpec REFERRAL_SUBMITTED =
      new TopicSpec(
          "referral.submitted",
          "referralId",
          ReferralSubmitted.getClassSchema(),
          List.of(ReferralSubmitted.class),
          REFERRAL_PARTITIONS,
          Optional.empty(),
          false);

  /** Every lifecycle status change of a referral, keyed by referral id. */
  public static final TopicSpec REFERRAL_STATUS_CHANGED =
      new TopicSpec(
          "referral.status-changed",
          "referralId",
          ReferralStatusChanged.getClassSchema(),
          List.of(ReferralStatusChanged.class),
          REFERRAL_PARTITIONS,
          Optional.empty(),
          false);

  /** Referrals the adapter put into a provider's system, keyed by referral id. */
  public static final TopicSpec REFERRAL_DELIVERED =
      new TopicSpec(
          "referral.delivered",
          "referralId",
          ReferralDelivered.getClassSchema(),
          List.of(ReferralDelivered.class),
          REFERRAL_PARTITIONS,
          Optional.empty(),
          false);

  /** Referrals a provider has not answered in time, keyed by referral id. */
  public static final TopicSpec REFERRAL_OVERDUE =
      new TopicSpec(
          "referral.overdue",
          "referralId",
          ReferralOverdue.getClassSchema(),
          List.of(ReferralOverdue.class),
          REFERRAL_PARTITIONS,
          Optional.empty(),
          false);

  /**
   * Provider reports the lifecycle refused (a status no path reaches, such as a completed
   * referral's Task edited back), keyed by referral id: one record per referral and version of the
   * provider's record, so operators can list them. Kept like the other referral topics, not
   * compacted: each refused version stays listed, and a restarted adapter reads them back to report
   * none twice.
   */
  public static final TopicSpec REFERRAL_REPORT_REFUSED =
      new TopicSpec(
          "referral.report-refused",
          "referralId",
          ProviderReportRefused.getClassSchema(),
          List.of(ProviderReportRefused.class),
          REFERRAL_PARTITIONS,
          Optional.empty(),
          false);

  /** Every notification attempt and its result, keyed by referral id: who was told what, when. */
  public static final TopicSpec NOTIFICATIONS =
      new TopicSpec(
          "notifications",
          "referralId",
          NotificationRecorded.getClassSchema(),
          List.of(NotificationRecorded.class),
          REFERRAL_PARTITIONS,
          Optional.empty(),
          false);

  /**
   * The notifier's commands to its senders, keyed by referral id: one {@code NotificationRequested}
   * per source event and channel the case manager is to be told on (again once quiet hours end).
   * Written by the notifier's Kafka Streams processor in the same transaction as its state, read by
   * its email and SMS senders, which record the result on {@link #NOTIFICATIONS}.
   */
  public static final TopicSpec NOTIFIER_SENDS =
      new TopicSpec(
          "notifier.sends",
          "referralId",
          NotificationRequested.getClassSchema(),
          List.of(NotificationRequested.class),
          REFERRAL_PARTITIONS,
          // Commands, not history: kept long enough for senders down for weeks to catch up.
          Optional.of(Duration.ofDays(30)),
          false);

  /**
   * Consents, keyed by consent id and compacted: the latest event of each consent (recorded,
   * revoked or expired by its event, each carrying the full consent) is its current state. The
   * value schema is the union of the events, registered once under {@code consent.events-value}.
   */
  public static final TopicSpec CONSENT_EVENTS =
      new TopicSpec(
          "consent.events",
          "consentId",
          Schema.createUnion(
              ConsentRecorded.getClassSchema(),
              ConsentRevoked.getClassSchema(),
              ConsentExpired.getClassSchema()),
          List.of(ConsentRecorded.class, ConsentRevoked.class, ConsentExpired.class),
          3,
          Optional.empty(),
          true);

  /**
   * The provider directory, keyed by provider id and compacted: each adapter lists the providers it
   * serves (and those it no longer serves, with {@code served=false}), so the gateway accepts
   * referrals only to providers some adapter delivers to and the notifier names providers and
   * services. Adapters' configuration is its one source.
   */
  public static final TopicSpec PROVIDER_DIRECTORY =
      new TopicSpec(
          "provider.directory",
          "providerId",
          ProviderListed.getClassSchema(),
          List.of(ProviderListed.class),
          1,
          Optional.empty(),
          true);

  /**
   * How long the accounting of disclosures is kept: HIPAA asks for the six years before a request
   * (45 CFR 164.528(a)), 42 CFR 2.24 for three; seven years leave a margin for the 30 days (plus
   * one extension) a request may take to answer.
   */
  public static final Duration DISCLOSURE_RETENTION = Duration.ofDays(7 * 365 + 2);

  /**
   * The accounting of disclosures (42 CFR 2.24, 45 CFR 164.528), keyed by client pseudonym so one
   * client's disclosures are listed together: one {@code DisclosureRecorded} per delivery and per
   * withdrawal a provider acknowledged. Deleted after {@link #DISCLOSURE_RETENTION}, not compacted:
   * every disclosure is its own record.
   */
  public static final TopicSpec CONSENT_DISCLOSURES =
      new TopicSpec(
          "consent.disclosures",
          "clientPseudonym",
          DisclosureRecorded.getClassSchema(),
          List.of(DisclosureRecorded.class),
          3,
          Optional.of(DISCLOSURE_RETENTION),
          false);

  /**
   * Every view of an intake page by a provider without a system of its own (the adapter's {@code
   * email-intake} kind), keyed by referral id: provider, referral, link and time, never content. An
   * access to client data, so kept like the accounting of disclosures ({@link
   * #DISCLOSURE_RETENTION}).
   */
  public static final TopicSpec INTAKE_PAGE_VIEWED =
      new TopicSpec(
          "intake.page-viewed",
          "referralId",
          IntakePageViewed.getClassSchema(),
          List.of(IntakePageViewed.class),
          REFERRAL_PARTITIONS,
          Optional.of(DISCLOSURE_RETENTION),
          false);

  /** All topics, in the order a deployment should create them. */
  public static final List<TopicSpec> ALL =
      List.of(
          REFERRAL_SUBMITTED,
          REFERRAL_STATUS_CHANGED,
          REFERRAL_DELIVERED,
          REFERRAL_OVERDUE,
          REFERRAL_REPORT_REFUSED,
          NOTIFICATIONS,
          NOTIFIER_SENDS,
          CONSENT_EVENTS,
          PROVIDER_DIRECTORY,
          CONSENT_DISCLOSURES,
          INTAKE_PAGE_VIEWED);

  private Topics() {}

  /** The topic with this name. */
  public static Optional<TopicSpec> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
