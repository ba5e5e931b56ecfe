package org.referralexchange.notifier.referral;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.events.v1.CaseManager;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.NotificationRequested;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.policy.ReturnDisclosure;

/**
 * The referring case manager of one referral (workforce data, not client data) and what the
 * referral is about, as far as a notification may say.
 */
public record Contact(
    String referralId,
    String caseManagerId,
    String caseManagerName,
    String email,
    Optional<String> mobile,
    Set<NotificationChannel> channels,
    String timeZone,
    String providerId,
    String serviceId,
    Optional<String> serviceName,
    boolean answersWithheld) {

  /** The case manager's zone; UTC when the event carries one Java does not know. */
  public ZoneId zone() {
    try {
      return ZoneId.of(timeZone);
    } catch (DateTimeException | NullPointerException e) {
      return ZoneOffset.UTC;
    }
  }

  /**
   * The case manager of a submitted referral; no preferred channel means email. The client block
   * stays sealed: it is never opened and none of it is kept.
   */
  public static Contact of(ReferralSubmitted submitted) {
    CaseManager cm = submitted.getReferrer().getCaseManager();
    return new Contact(
        submitted.getReferralId(),
        cm.getId(),
        cm.getName(),
        cm.getEmail(),
        Optional.ofNullable(cm.getMobile()).filter(m -> !m.isBlank()),
        // Email is the channel every case manager has (Gravity: email SHALL be supported).
        cm.getPreferredChannels().isEmpty()
            ? Set.of(NotificationChannel.EMAIL)
            : Set.copyOf(EnumSet.copyOf(cm.getPreferredChannels())),
        cm.getTimeZone(),
        submitted.getTarget().getProviderId(),
        submitted.getTarget().getServiceId(),
        Optional.ofNullable(submitted.getTarget().getServiceName()),
        !ReturnDisclosure.allowed(submitted.getConsent()));
  }

  /** The case manager as a command carries them, on its one channel. */
  public static Contact of(NotificationRequested due) {
    return new Contact(
        due.getReferralId(),
        due.getCaseManagerId(),
        due.getCaseManagerName(),
        due.getEmail(),
        Optional.ofNullable(due.getMobile()).filter(m -> !m.isBlank()),
        Set.of(due.getChannel()),
        due.getTimeZone(),
        due.getProviderId(),
        due.getServiceId(),
        Optional.ofNullable(due.getServiceName()),
        false);
  }
}
