package org.referralexchange.gateway.security;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.referralexchange.gateway.config.GatewayProperties;
import org.referralexchange.service.ServiceConfigFile;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The security layer on its own: web MVC, actuator, Spring Security and the gateway's properties,
 * without Kafka, the schema registry or the keyset the whole application needs. A {@code
 * TestConfiguration}, so the application's component scan in other tests never picks it up.
 */
@TestConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration(
    excludeName = {
      "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
      "org.springframework.boot.kafka.autoconfigure.metrics.KafkaMetricsAutoConfiguration"
    })
// The gateway's own file, as the application class would name it.
@ServiceConfigFile("referral-gateway")
@EnableConfigurationProperties(GatewayProperties.class)
@Import(SecurityTestConfiguration.EchoController.class)
class SecurityTestConfiguration {

  static final String COUNTY_KEY = "test-county-key";
  static final String COUNTY_NEXT_KEY = "test-county-key-next";
  static final String SHELTER_KEY = "test-shelter-key";

  /** One clock for the rate limiter that tests move by hand. */
  @Bean
  MutableClock clock() {
    return new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  }

  /** Stands for any controller that reads a body: answers how many bytes it received. */
  @RestController
  static class EchoController {

    static final String PATH = "/api/v1/test-echo";

    final AtomicInteger calls = new AtomicInteger();

    @PostMapping(PATH)
    Map<String, Integer> echo(@RequestBody byte[] body) {
      calls.incrementAndGet();
      return Map.of("bytes", body.length);
    }
  }

  /** A clock that stands still until a test moves it. */
  static final class MutableClock extends Clock {

    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(java.time.Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
