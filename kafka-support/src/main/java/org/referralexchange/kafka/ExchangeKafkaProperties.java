package org.referralexchange.kafka;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How a service uses Kafka, under {@code exchange.kafka.*}. Brokers and the registry URL stay in
 * Spring Boot's {@code spring.kafka.*} (Confluent's keys under {@code spring.kafka.properties}).
 *
 * @param publishTimeout how long a publish waits for the broker's acknowledgement before it is
 *     reported as failed (a request then answers 503)
 * @param registerSchemasOnStartup register every topic's value schema at start-up (local runs);
 *     production registers them with the release and sets this to false
 * @param deadLetterUndecodable write records no view can decode to their dead-letter topic; set in
 *     the service that owns the topics it reads (the adapter for referral.submitted), so one
 *     service, not every reader, reports a poison record
 */
@Validated
@ConfigurationProperties("exchange.kafka")
public record ExchangeKafkaProperties(
    @NotNull Duration publishTimeout,
    boolean registerSchemasOnStartup,
    boolean deadLetterUndecodable) {

  public ExchangeKafkaProperties {
    publishTimeout = publishTimeout == null ? Duration.ofSeconds(5) : publishTimeout;
  }
}
