package org.referralexchange.kafka;

import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.referralexchange.schemas.TopicSpec;

/**
 * A view a service keeps of some topics. Events arrive from the log in order per partition, and
 * once more from this instance's own publishes, so applying must be idempotent on {@code eventId}.
 * Called from more than one thread.
 */
public interface EventView {

  /** The topics this view reads. */
  Set<TopicSpec> topics();

  /** Applies one event; a repeated event changes nothing. */
  void apply(TopicSpec topic, String key, SpecificRecord event);
}
