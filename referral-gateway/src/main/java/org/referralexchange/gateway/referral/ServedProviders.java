package org.referralexchange.gateway.referral;

import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.gateway.directory.Providers;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.springframework.http.HttpStatus;

/**
 * A referral goes only to a provider some adapter serves, for a service that provider lists: the
 * provider directory says which. Otherwise 422 with a stable type, and nothing is published.
 */
final class ServedProviders {

  private ServedProviders() {}

  /** The provider's entry, served and offering the service; a 422 problem otherwise. */
  static ProviderListed require(Providers directory, ReferralRequests.Target target) {
    ProviderListed provider =
        directory
            .find(target.providerId())
            .orElseThrow(
                () ->
                    new GatewayProblem(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        ProblemTypes.UNKNOWN_PROVIDER,
                        "Unknown provider",
                        "No provider '" + target.providerId() + "' is known to the exchange."));
    if (!provider.getServed()) {
      throw new GatewayProblem(
          HttpStatus.UNPROCESSABLE_CONTENT,
          ProblemTypes.PROVIDER_NOT_SERVED,
          "Provider not served",
          "No adapter of the exchange delivers referrals to provider '"
              + provider.getProviderId()
              + "' now.");
    }
    if (ProviderDirectoryView.service(provider, target.serviceId()).isEmpty()) {
      throw new GatewayProblem(
          HttpStatus.UNPROCESSABLE_CONTENT,
          ProblemTypes.UNKNOWN_SERVICE,
          "Unknown service",
          "Provider '"
              + provider.getProviderId()
              + "' offers no service '"
              + target.serviceId()
              + "'.");
    }
    return provider;
  }
}
