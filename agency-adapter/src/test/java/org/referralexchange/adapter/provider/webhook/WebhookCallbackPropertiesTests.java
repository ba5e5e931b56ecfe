package org.referralexchange.adapter.provider.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/** Binding and validation of {@code adapter.webhooks}. */
class WebhookCallbackPropertiesTests {

  @Configuration(proxyBeanMethods = false)
  @EnableConfigurationProperties(WebhookCallbackProperties.class)
  static class Config {}

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
          .withUserConfiguration(Config.class);

  @Test
  void remembersAHundredThousandIdsPerProviderByDefault() {
    runner.run(
        context ->
            assertThat(context.getBean(WebhookCallbackProperties.class).replayIdsPerProvider())
                .isEqualTo(100_000));
  }

  @Test
  void takesTheConfiguredLimit() {
    runner
        .withPropertyValues("adapter.webhooks.replay-ids-per-provider=500000")
        .run(
            context ->
                assertThat(context.getBean(WebhookCallbackProperties.class).replayIdsPerProvider())
                    .isEqualTo(500_000));
  }

  @Test
  void refusesToStartWithNoRoomForAnyId() {
    runner
        .withPropertyValues("adapter.webhooks.replay-ids-per-provider=0")
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("replayIdsPerProvider"));
  }
}
