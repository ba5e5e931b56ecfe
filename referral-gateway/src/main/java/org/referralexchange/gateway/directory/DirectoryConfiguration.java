package org.referralexchange.gateway.directory;

import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The provider directory view, and readiness once it lists a served provider. The log being read to
 * its end is not enough on a new exchange: until an adapter has listed its providers, every
 * referral would be refused, so a gateway started beside its adapters waits for them (the directory
 * is compacted and kept, so later restarts are ready as soon as they caught up).
 */
@Configuration(proxyBeanMethods = false)
class DirectoryConfiguration {

  @Bean
  ProviderDirectoryView providerDirectoryView() {
    return new ProviderDirectoryView();
  }

  @Bean
  HealthIndicator providerDirectoryHealthIndicator(ProviderDirectoryView directory) {
    return () ->
        directory.anyServed()
            ? Health.up().build()
            : Health.outOfService().withDetail("reason", "no provider is listed yet").build();
  }
}
