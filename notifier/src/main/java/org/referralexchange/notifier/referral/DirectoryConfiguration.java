package org.referralexchange.notifier.referral;

import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The provider directory, read so messages name providers and services rather than their ids. */
@Configuration(proxyBeanMethods = false)
class DirectoryConfiguration {

  @Bean
  ProviderDirectoryView providerDirectoryView() {
    return new ProviderDirectoryView();
  }
}
