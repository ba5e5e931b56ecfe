package org.referralexchange.bench.minimal;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The gateway benchmark's fair baseline: a minimal Spring Boot endpoint on the gateway's stack
 * (Tomcat, Spring MVC, Spring Security with an API key, Jackson, Bean Validation) that takes the
 * same {@code POST /api/v1/referrals} body, validates it against the same constraints, maps it to a
 * {@code ReferralSubmitted} and publishes it with {@code KafkaTemplate.send(...).get()} on a
 * producer configured as the gateway's, answering 202. What it leaves out is the gateway's own
 * work: idempotency, the provider directory, consent policies, HMAC pseudonym and fingerprint, Tink
 * encryption, the event-log views and their readers, rate and size limits, meters and logs.
 *
 * <p>Component scanning covers this package only: the benchmarks' class path also holds the
 * gateway, the adapter and the notifier. It does not set {@code
 * spring.kafka.properties.schema.registry.url}, so the exchange's Kafka auto-configuration (event
 * log, publisher, schema registration) stays out; {@link MinimalKafka} builds the producer instead.
 */
@SpringBootApplication
@EnableConfigurationProperties(MinimalProperties.class)
public class MinimalReferralEndpoint {

  /**
   * A builder with the settings the endpoint needs whatever the caller adds: no configuration file
   * of any service on the class path, the gateway's Jackson setting (unknown fields refused), and
   * no OpenAPI documents (springdoc is on the class path for the gateway; it is not in a request's
   * path either way).
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(MinimalReferralEndpoint.class)
        .properties(
            "spring.config.name=minimal-referral-endpoint",
            "spring.application.name=minimal-referral-endpoint",
            "spring.jackson.deserialization.fail-on-unknown-properties=true",
            "springdoc.api-docs.enabled=false",
            "springdoc.swagger-ui.enabled=false");
  }

  public static void main(String[] args) {
    SpringApplication.exit(builder().run(args));
  }
}
