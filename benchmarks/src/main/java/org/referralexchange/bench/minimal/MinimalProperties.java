package org.referralexchange.bench.minimal;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The minimal endpoint's settings.
 *
 * @param schemaRegistryUrl the registry the serializer reads the topic's latest schema from (the
 *     gateway's {@code spring.kafka.properties.schema.registry.url}, under another name so that the
 *     exchange's Kafka auto-configuration does not start here)
 * @param topic where referrals go: a twin of {@code referral.submitted} with the same partitions,
 *     settings and schema, so that the gateway's readers are not handed the baseline's records
 * @param agencyId the one agency, answered for the one key
 * @param apiKeySha256 hex SHA-256 of the agency's {@code X-Api-Key}, as the gateway configures keys
 * @param publishTimeout how long a request waits for the broker's ack (the gateway's default)
 */
@ConfigurationProperties("minimal")
public record MinimalProperties(
    String schemaRegistryUrl,
    String topic,
    @DefaultValue("county-hhs") String agencyId,
    String apiKeySha256,
    @DefaultValue("5s") Duration publishTimeout) {}
