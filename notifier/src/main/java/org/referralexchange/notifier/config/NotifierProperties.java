package org.referralexchange.notifier.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.referralexchange.events.v1.ReferralStatus;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * What the notifier does, under {@code notifier.*}.
 *
 * @param tickInterval how often the processor ends the waits that are over (a referral that never
 *     came, quiet hours that ended)
 * @param waitForReferral how long a status event waits for its referral's submission before it is
 *     recorded as skipped ("unknown referral")
 * @param gatewayBaseUrl base of the links to the referral in the gateway
 * @param notifyOn the statuses that notify the case manager (CANCELLED only when the provider set
 *     it)
 * @param smsQuietHours SMS quiet hours in the case manager's time zone, {@code HH:mm-HH:mm}; blank
 *     for none
 * @param mailFrom sender address of the emails
 * @param backoff how a channel in an outage is retried
 * @param senderConcurrency consumer threads per channel on the {@code notifier.sends} commands (at
 *     most its 6 partitions per channel across the instances)
 * @param senderBatch commands a sender thread carries out per Kafka transaction (its poll's {@code
 *     max.poll.records}): what it sent in an open transaction is not yet recorded, so a crash may
 *     send again at most this many messages per sender thread; 1 commits after every message, at a
 *     fraction of the throughput
 * @param twilio the Twilio SMS plug-in
 */
@Validated
@ConfigurationProperties("notifier")
public record NotifierProperties(
    @NotNull Duration tickInterval,
    @NotNull Duration waitForReferral,
    @NotBlank String gatewayBaseUrl,
    @NotNull Set<ReferralStatus> notifyOn,
    String smsQuietHours,
    @NotBlank String mailFrom,
    @NotNull @Valid Backoff backoff,
    @Positive int senderConcurrency,
    @Positive int senderBatch,
    @NotNull @Valid Twilio twilio) {

  /** The default {@code notifier.sender-batch}. */
  public static final int DEFAULT_SENDER_BATCH = 16;

  public NotifierProperties {
    tickInterval = tickInterval == null ? Duration.ofSeconds(1) : tickInterval;
    waitForReferral = waitForReferral == null ? Duration.ofMinutes(10) : waitForReferral;
    gatewayBaseUrl = gatewayBaseUrl == null ? "http://127.0.0.1:8080" : gatewayBaseUrl;
    notifyOn =
        notifyOn == null
            ? EnumSet.of(
                ReferralStatus.ACCEPTED,
                ReferralStatus.REJECTED,
                ReferralStatus.COMPLETED,
                ReferralStatus.CANCELLED,
                ReferralStatus.FAILED)
            : notifyOn;
    mailFrom = mailFrom == null ? "referrals@exchange.example" : mailFrom;
    backoff = backoff == null ? new Backoff(null, null, 2.0) : backoff;
    senderConcurrency = senderConcurrency <= 0 ? 1 : senderConcurrency;
    senderBatch = senderBatch <= 0 ? DEFAULT_SENDER_BATCH : senderBatch;
    twilio = twilio == null ? new Twilio(false, null, null, null, null) : twilio;
  }

  /** Quiet hours parsed; empty when none are set. */
  public QuietHours quietHours() {
    return QuietHours.parse(smsQuietHours);
  }

  /**
   * Exponential backoff per channel while it is unavailable; never gives up.
   *
   * @param initial first wait
   * @param max longest wait
   * @param multiplier growth per failed attempt
   */
  public record Backoff(Duration initial, Duration max, @Positive double multiplier) {
    public Backoff {
      initial = initial == null ? Duration.ofSeconds(1) : initial;
      max = max == null ? Duration.ofMinutes(5) : max;
      multiplier = multiplier <= 0 ? 2.0 : multiplier;
    }

    /** The wait after {@code failures} failed attempts in a row. */
    public Duration after(int failures) {
      double factor = Math.pow(multiplier, Math.max(0, failures - 1));
      return Duration.ofMillis((long) Math.min(max.toMillis(), initial.toMillis() * factor));
    }
  }

  /**
   * The Twilio SMS plug-in.
   *
   * @param enabled send SMS through Twilio
   * @param accountSid the account SID
   * @param authToken the auth token
   * @param fromNumber the sending number, E.164
   * @param apiBaseUrl Twilio's API base URL; blank for the SDK's own (tests point it elsewhere)
   */
  public record Twilio(
      boolean enabled, String accountSid, String authToken, String fromNumber, String apiBaseUrl) {}
}
