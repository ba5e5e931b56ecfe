package org.referralexchange.gateway;

import org.referralexchange.service.ServiceConfigFile;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The referral gateway: consent-checked referrals from agencies onto Kafka. */
@SpringBootApplication
@ServiceConfigFile("referral-gateway")
@ConfigurationPropertiesScan
public class ReferralGatewayApplication {

  public static void main(String[] args) {
    SpringApplication.run(ReferralGatewayApplication.class, args);
  }
}
