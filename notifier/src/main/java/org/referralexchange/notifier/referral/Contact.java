package org.referralexchange.notifier.referral;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.events.v1.NotificationChannel;

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
}
