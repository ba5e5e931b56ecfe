package org.referralexchange.local;

import java.util.Map;

/**
 * One part of the local exchange (broker, registry, the services). Components are started in list
 * order, so a component may use what an earlier one provides, and stopped in reverse order.
 */
interface LocalComponent {

  /** Short name used in progress messages, e.g. {@code kafka}. */
  String name();

  /** Starts the component and returns only once it serves requests; throws if it cannot. */
  void start() throws Exception;

  /** Stops the component; safe to call when it never started or already stopped. */
  void stop();

  /** What an operator needs to reach it, label to address, in display order; valid once started. */
  Map<String, String> describe();
}
