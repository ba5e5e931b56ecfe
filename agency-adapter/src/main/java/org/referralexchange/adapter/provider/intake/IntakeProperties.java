package org.referralexchange.adapter.provider.intake;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The email-intake kind's settings ({@code adapter.intake}).
 *
 * @param linkSecret the HMAC-SHA256 key that signs intake links and form tokens (env {@code
 *     ADAPTER_INTAKE_LINK_SECRET}); at least 32 characters, never in a URL or a log. Every instance
 *     of one ownership group must share it. Changing it voids every link sent before.
 * @param linkLifetime how long a link opens its page (7 days by default)
 * @param mailFrom the sender address of intake emails
 */
@ConfigurationProperties("adapter.intake")
public record IntakeProperties(
    String linkSecret,
    @DefaultValue("P7D") Duration linkLifetime,
    @DefaultValue("referrals@exchange.example") String mailFrom) {

  /** Shortest secret accepted: 32 characters, about 256 bits when random. */
  static final int MINIMUM_SECRET_LENGTH = 32;
}
