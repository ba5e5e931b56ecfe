package org.referralexchange.adapter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.referralexchange.adapter.provider.webhook.WebhookProviderAdapter;

/** Start-up validation of the provider registry, with the real webhook adapter's checks. */
class ProviderDirectoryTests {

  static final String GOOD_SECRET = "whsec_dGVzdC1vbmx5LXdlYmhvb2stc2VjcmV0LTEyMw==";

  static AdapterProperties.Provider webhook(String id, String secret, boolean enabled) {
    return new AdapterProperties.Provider(
        id,
        id + " provider",
        "webhook",
        URI.create("http://127.0.0.1:9/" + id),
        secret,
        Set.of("givenName"),
        Set.of("food"),
        ZoneId.of("UTC"),
        LocalTime.of(8, 0),
        LocalTime.of(17, 0),
        null,
        Duration.ofDays(2),
        Duration.ofDays(2),
        Duration.ofMinutes(15),
        enabled);
  }

  static ProviderDirectory directory(AdapterProperties.Provider... providers) {
    AdapterProperties properties =
        new AdapterProperties(
            List.of(providers),
            new AdapterProperties.Encryption(Optional.empty(), Optional.empty()),
            Duration.ofMinutes(15),
            Duration.ofSeconds(1),
            new AdapterProperties.Delivery(
                8,
                Duration.ofSeconds(2),
                2.0,
                Duration.ofMinutes(5),
                4,
                64,
                Duration.ofMinutes(2)));
    return new ProviderDirectory(properties, List.of(new WebhookProviderAdapter()));
  }

  @Test
  void acceptsAWebhookProviderWithAUsableSecret() {
    assertThat(directory(webhook("food", GOOD_SECRET, true)).provider("food")).isPresent();
  }

  @Test
  void refusesToStartWithAWebhookProviderWhoseSecretIsBlankOrUndecodable() {
    String undecodable = "whsec_not*base64*at*all";

    assertThatThrownBy(
            () -> directory(webhook("food", " ", true), webhook("shelter", undecodable, true)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("provider food: its webhook secret is unusable")
        .hasMessageContaining("provider shelter: its webhook secret is unusable")
        .message()
        .doesNotContain("not*base64");
  }

  @Test
  void leavesADisabledProviderWithoutASecretAlone() {
    assertThat(directory(webhook("food", null, false)).provider("food")).isPresent();
  }
}
