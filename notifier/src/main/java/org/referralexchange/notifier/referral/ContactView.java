package org.referralexchange.notifier.referral;

import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.CaseManager;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.kafka.EventView;
import org.referralexchange.policy.ReturnDisclosure;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Each referral's case manager, from {@code ReferralSubmitted}; no preferred channel means email.
 * The client block stays sealed: the notifier never opens it and keeps none of it.
 */
@Component
public class ContactView implements EventView {

  private final Map<String, Contact> byReferral = new ConcurrentHashMap<>();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.REFERRAL_SUBMITTED);
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ReferralSubmitted submitted) {
      CaseManager cm = submitted.getReferrer().getCaseManager();
      byReferral.putIfAbsent(
          submitted.getReferralId(),
          new Contact(
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
              !ReturnDisclosure.allowed(submitted.getConsent())));
    }
  }

  public Optional<Contact> get(String referralId) {
    return Optional.ofNullable(byReferral.get(referralId));
  }
}
