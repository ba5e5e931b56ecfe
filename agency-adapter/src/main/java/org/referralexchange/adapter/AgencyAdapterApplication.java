package org.referralexchange.adapter;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class AgencyAdapterApplication {

  public static void main(String[] args) {
    SpringApplication.run(AgencyAdapterApplication.class, args);
  }
}
