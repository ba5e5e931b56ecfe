package org.referralexchange.notifier.notification;

import java.util.Optional;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.notifier.channel.Masking;
import org.referralexchange.notifier.channel.SmsSender;
import org.referralexchange.notifier.message.MessageComposer;
import org.referralexchange.notifier.referral.Contact;
import org.referralexchange.notifier.referral.Trigger;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * SMS: a pointer and the reason code, through the enabled SMS plug-in. With none enabled the
 * processor records SKIPPED {@code sms not configured} and issues no SMS command.
 */
@Component
class SmsDelivery implements ChannelDelivery {

  private final MessageComposer composer;
  private final Optional<SmsSender> sms;

  SmsDelivery(MessageComposer composer, ObjectProvider<SmsSender> sms) {
    this.composer = composer;
    this.sms = Optional.ofNullable(sms.getIfAvailable());
  }

  boolean configured() {
    return sms.isPresent();
  }

  @Override
  public NotificationChannel channel() {
    return NotificationChannel.SMS;
  }

  @Override
  public String send(Trigger trigger, Contact contact) {
    return sms.orElseThrow().send(contact.mobile().orElseThrow(), composer.sms(trigger));
  }

  @Override
  public String recipient(Contact contact) {
    return Masking.phone(contact.mobile().orElse(null));
  }
}
