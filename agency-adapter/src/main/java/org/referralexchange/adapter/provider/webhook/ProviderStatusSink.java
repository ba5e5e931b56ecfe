package org.referralexchange.adapter.provider.webhook;

import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;

/**
 * Where a verified status update from a webhook provider goes: the core implements it to check the
 * lifecycle and publish. It is called only after the signature, the timestamp and the replay check
 * passed and the body parsed, once per {@code webhook-id}.
 */
public interface ProviderStatusSink {

  /**
   * Takes one update. Returning normally means it is recorded (published, acknowledged by the
   * broker); the provider is answered 202.
   *
   * @throws ProviderRejectedException the transition is refused (illegal for the lifecycle, an
   *     unknown referral, a missing reason); answered 409 with the message, which must hold no
   *     client data
   * @throws ProviderUnavailableException it could not be recorded now (broker down); answered 503,
   *     and the provider may retry with the same {@code webhook-id}
   */
  void accept(ProviderSettings provider, ProviderStatusUpdate update);
}
