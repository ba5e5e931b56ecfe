package org.referralexchange.adapter.directory;

import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The directory view the adapter reads, and readiness once its own entries are listed. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DirectoryProperties.class)
class DirectoryConfiguration {

  @Bean
  ProviderDirectoryView providerDirectoryView() {
    return new ProviderDirectoryView();
  }

  @Bean
  HealthIndicator providerDirectoryHealthIndicator(DirectoryPublisher publisher) {
    return () ->
        publisher.published()
            ? Health.up().build()
            : Health.outOfService()
                .withDetail("reason", "listing this adapter's providers")
                .build();
  }
}
