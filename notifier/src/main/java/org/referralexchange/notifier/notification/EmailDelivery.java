package org.referralexchange.notifier.notification;

import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.notifier.channel.EmailSender;
import org.referralexchange.notifier.channel.Masking;
import org.referralexchange.notifier.message.MessageComposer;
import org.referralexchange.notifier.referral.Contact;
import org.referralexchange.notifier.referral.Trigger;
import org.springframework.stereotype.Component;

/** Email: multipart text and HTML from the templates, through the {@link EmailSender}. */
@Component
class EmailDelivery implements ChannelDelivery {

  private final MessageComposer composer;
  private final EmailSender email;

  EmailDelivery(MessageComposer composer, EmailSender email) {
    this.composer = composer;
    this.email = email;
  }

  @Override
  public NotificationChannel channel() {
    return NotificationChannel.EMAIL;
  }

  @Override
  public String send(Trigger trigger, Contact contact) {
    return email.send(composer.email(trigger, contact));
  }

  @Override
  public String recipient(Contact contact) {
    return Masking.email(contact.email());
  }
}
