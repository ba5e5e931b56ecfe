package org.referralexchange.adapter.provider.webhook;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of the status webhook endpoint ({@code adapter.webhooks}).
 *
 * @param replayIdsPerProvider {@code webhook-id}s remembered per provider for replay protection, at
 *     most. An id is kept for the 5-minute timestamp tolerance plus a minute, so this caps a
 *     provider's sustained callback rate at about this number / 360 per second (the default,
 *     100,000, at about 280/s); beyond it callbacks get {@code 429} rather than an id being
 *     forgotten early. Each remembered id costs roughly 150 bytes.
 */
@Validated
@ConfigurationProperties("adapter.webhooks")
public record WebhookCallbackProperties(@DefaultValue("100000") @Min(1) int replayIdsPerProvider) {}
