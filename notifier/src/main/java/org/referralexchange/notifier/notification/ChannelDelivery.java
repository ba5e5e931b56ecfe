package org.referralexchange.notifier.notification;

import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.notifier.referral.Contact;
import org.referralexchange.notifier.referral.Trigger;

/**
 * How one channel tells a case manager: composes the message and hands it to the channel's sender.
 * Each channel has its own listener container on the commands, so an outage of one (retried with
 * backoff) never holds the other up.
 */
interface ChannelDelivery {

  NotificationChannel channel();

  /**
   * Sends and returns the server's or provider's message id.
   *
   * @throws org.referralexchange.notifier.channel.ChannelUnavailableException an outage: retried
   * @throws org.referralexchange.notifier.channel.RecipientRejectedException refused for good
   */
  String send(Trigger trigger, Contact contact);

  /** The recipient as a log line may name it: masked. */
  String recipient(Contact contact);
}
