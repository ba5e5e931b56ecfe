package org.referralexchange.gateway.directory;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.referralexchange.kafka.EventLog;
import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The providers a request may name, as the directory lists them. A provider this instance has not
 * read is unknown only once the log was read to its end: before that (just started, or the registry
 * down so nothing decodes) the answer is 503 {@code directory-not-read} with Retry-After, never a
 * false {@code unknown-provider}.
 */
@Component
public class Providers {

  private final ProviderDirectoryView directory;
  private final EventLog eventLog;

  Providers(ProviderDirectoryView directory, EventLog eventLog) {
    this.directory = directory;
    this.eventLog = eventLog;
  }

  /**
   * The provider's entry, served or not; empty when the directory does not list it.
   *
   * @throws GatewayProblem 503 while this instance has not read the directory yet
   */
  public Optional<ProviderListed> find(String providerId) {
    Optional<ProviderListed> entry = directory.find(providerId);
    if (entry.isEmpty() && !eventLog.caughtUp()) {
      throw new GatewayProblem(
          HttpStatus.SERVICE_UNAVAILABLE,
          ProblemTypes.DIRECTORY_NOT_READ,
          "Provider directory not read yet",
          "This gateway instance has not read the provider directory yet; retry shortly.",
          Map.of(),
          Optional.of(Duration.ofSeconds(5)));
    }
    return entry;
  }
}
