package org.referralexchange.adapter;

import java.time.Clock;
import org.referralexchange.service.ServiceConfigFile;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The agency adapter: referrals into providers' own systems, and their answers back. */
@SpringBootApplication
@ServiceConfigFile("agency-adapter")
@ConfigurationPropertiesScan
@EnableScheduling
public class AgencyAdapterApplication {

  /** One clock, so tests can move time for the response clock. */
  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  public static void main(String[] args) {
    SpringApplication.run(AgencyAdapterApplication.class, args);
  }
}
