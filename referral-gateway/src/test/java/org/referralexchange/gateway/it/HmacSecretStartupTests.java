package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.ReferralGatewayApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The gateway has no HMAC secret of its own: started without one, as with no keyset, it stops
 * before serving anything and names the variable to set. (The local run passes its own.)
 */
class HmacSecretStartupTests {

  @Test
  void refusesToStartWithoutAnHmacSecretAndNamesTheVariable() {
    Assumptions.assumeTrue(
        System.getenv("GATEWAY_HMAC_SECRET") == null,
        "GATEWAY_HMAC_SECRET is set in this environment, so the gateway has a secret");
    List<String> args = new ArrayList<>();
    for (String arg : TestInfrastructure.gatewayArguments("--spring.main.banner-mode=off")) {
      if (!arg.startsWith("--gateway.hmac-secret=")) {
        args.add(arg);
      }
    }

    Throwable failure =
        catchThrowable(
            () -> {
              try (ConfigurableApplicationContext gateway =
                  new SpringApplicationBuilder(ReferralGatewayApplication.class)
                      .run(args.toArray(String[]::new))) {
                // started: the assertion below fails
              }
            });

    assertThat(failure).as("the gateway started without an HMAC secret").isNotNull();
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    assertThat(messages.toString())
        .contains("hmacSecret")
        .contains("is not set: set GATEWAY_HMAC_SECRET (gateway.hmac-secret)");
  }

  @Test
  void startsWithTheSecretItIsGiven() {
    try (ConfigurableApplicationContext gateway =
        new SpringApplicationBuilder(ReferralGatewayApplication.class)
            .run(TestInfrastructure.gatewayArguments("--spring.main.banner-mode=off"))) {
      assertThat(gateway.getEnvironment().getProperty("gateway.hmac-secret"))
          .isEqualTo(TestInfrastructure.HMAC_SECRET);
    }
  }
}
