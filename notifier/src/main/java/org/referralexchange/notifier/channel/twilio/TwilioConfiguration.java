package org.referralexchange.notifier.channel.twilio;

import com.twilio.http.NetworkHttpClient;
import com.twilio.http.TwilioRestClient;
import java.time.Duration;
import org.referralexchange.notifier.config.NotifierProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Twilio client and sender, when {@code notifier.twilio.enabled=true}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "notifier.twilio", name = "enabled", havingValue = "true")
class TwilioConfiguration {

  @Bean
  TwilioRestClient twilioRestClient(NotifierProperties properties) {
    NotifierProperties.Twilio twilio = properties.twilio();
    if (twilio.accountSid() == null || twilio.authToken() == null || twilio.fromNumber() == null) {
      throw new IllegalStateException(
          "notifier.twilio.account-sid, auth-token and from-number are required when Twilio is"
              + " enabled");
    }
    TwilioRestClient.Builder builder =
        new TwilioRestClient.Builder(twilio.accountSid(), twilio.authToken());
    if (twilio.apiBaseUrl() != null && !twilio.apiBaseUrl().isBlank()) {
      builder.httpClient(new BaseUrlHttpClient(twilio.apiBaseUrl(), Duration.ofSeconds(10)));
    } else {
      builder.httpClient(new NetworkHttpClient());
    }
    return builder.build();
  }

  @Bean
  TwilioSmsSender twilioSmsSender(TwilioRestClient client, NotifierProperties properties) {
    return new TwilioSmsSender(client, properties.twilio().fromNumber());
  }
}
