package org.referralexchange.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ReferralGatewayApplication {

  public static void main(String[] args) {
    SpringApplication.run(ReferralGatewayApplication.class, args);
  }
}
