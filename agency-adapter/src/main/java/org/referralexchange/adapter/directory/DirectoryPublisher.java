package org.referralexchange.adapter.directory;

import java.time.Clock;
import java.util.List;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Lists this adapter's providers on {@code provider.directory} once per start: after the log was
 * read to its end (so it knows what the topic holds), and only the entries that differ from it.
 * Each is acknowledged by the broker (idempotent producer, {@code acks=all}) before the next; a
 * failed attempt is tried again on the next tick. Until it is done the adapter is not ready, and it
 * fails no referral as unserved: its own entries might still be on their way.
 */
@Component
public class DirectoryPublisher {

  private static final Logger log = LoggerFactory.getLogger(DirectoryPublisher.class);

  private final AdapterProperties adapter;
  private final DirectoryProperties properties;
  private final ProviderDirectoryView directory;
  private final EventLog eventLog;
  private final EventPublisher publisher;
  private final Clock clock;
  private volatile boolean published;

  DirectoryPublisher(
      AdapterProperties adapter,
      DirectoryProperties properties,
      ProviderDirectoryView directory,
      EventLog eventLog,
      EventPublisher publisher,
      Clock clock) {
    this.adapter = adapter;
    this.properties = properties;
    this.directory = directory;
    this.eventLog = eventLog;
    this.publisher = publisher;
    this.clock = clock;
  }

  /** Whether this start's entries were all acknowledged. */
  public boolean published() {
    return published;
  }

  @Scheduled(fixedDelayString = "${adapter.tick-interval}")
  void publishOnce() {
    if (published || !eventLog.caughtUp()) {
      return;
    }
    List<ProviderListed> changes =
        DirectoryEntries.changes(
            adapter.providers(), directory.all(), properties.adapterId(), clock.instant());
    try {
      for (ProviderListed entry : changes) {
        publisher.publish(Topics.PROVIDER_DIRECTORY, entry.getProviderId(), entry);
      }
    } catch (BrokerUnavailableException e) {
      log.warn("Provider directory not published yet, trying again: {}", e.getMessage());
      return;
    }
    published = true;
    log.info(
        "Provider directory up to date as {}: {} entr{} published",
        properties.adapterId(),
        changes.size(),
        changes.size() == 1 ? "y" : "ies");
  }
}
