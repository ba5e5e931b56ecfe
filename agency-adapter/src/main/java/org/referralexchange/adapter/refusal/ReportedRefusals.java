package org.referralexchange.adapter.refusal;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.events.v1.ProviderReportRefused;
import org.referralexchange.kafka.EventView;
import org.referralexchange.schemas.TopicSpec;
import org.referralexchange.schemas.Topics;
import org.springframework.stereotype.Component;

/**
 * Which provider reports were already refused and reported, read back from {@code
 * referral.report-refused} on every start (and from this instance's own publishes at once). A
 * restarted adapter, or a second instance taking a referral over, therefore reports no version
 * twice; the record on the topic is the memory, so nothing else needs keeping. The event log is
 * read to its end before any report is judged ({@code StatusRecorder} waits for it), so a restart
 * never judges a version before it has read that version's record.
 */
@Component
public class ReportedRefusals implements EventView {

  /** {@code referralId NUL sourceVersion}: small, and only refusals, which are rare. */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  @Override
  public Set<TopicSpec> topics() {
    return Set.of(Topics.REFERRAL_REPORT_REFUSED);
  }

  @Override
  public void apply(TopicSpec topic, String key, SpecificRecord event) {
    if (event instanceof ProviderReportRefused refused && refused.getSourceVersion() != null) {
      reported.add(key(refused.getReferralId(), refused.getSourceVersion()));
    }
  }

  /** Whether this version of the provider's record was already refused and reported. */
  public boolean contains(String referralId, String sourceVersion) {
    return reported.contains(key(referralId, sourceVersion));
  }

  /** The event id of the refusal of one version: the same on every instance and every restart. */
  static UUID eventId(String referralId, String sourceVersion) {
    return UUID.nameUUIDFromBytes(
        ("report-refused\u0000" + key(referralId, sourceVersion)).getBytes(StandardCharsets.UTF_8));
  }

  private static String key(String referralId, String sourceVersion) {
    return referralId + "\u0000" + sourceVersion;
  }
}
