package org.referralexchange.notifier.channel.twilio;

import com.twilio.exception.ApiConnectionException;
import com.twilio.exception.ApiException;
import com.twilio.exception.TwilioException;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;
import org.referralexchange.notifier.channel.ChannelUnavailableException;
import org.referralexchange.notifier.channel.RecipientRejectedException;
import org.referralexchange.notifier.channel.SmsSender;

/**
 * Sends an SMS through Twilio's Messages API. Unreachable, 429 or 5xx is an outage; any other 4xx
 * (invalid number, unsubscribed recipient) is permanent and reported with Twilio's error code.
 */
class TwilioSmsSender implements SmsSender {

  private final TwilioRestClient client;
  private final String from;

  TwilioSmsSender(TwilioRestClient client, String from) {
    this.client = client;
    this.from = from;
  }

  @Override
  public String send(String to, String text) {
    try {
      Message message =
          Message.creator(new PhoneNumber(to), new PhoneNumber(from), text).create(client);
      return message.getSid();
    } catch (ApiConnectionException e) {
      throw new ChannelUnavailableException("SMS provider unreachable", e);
    } catch (ApiException e) {
      Integer status = e.getStatusCode() != null ? e.getStatusCode() : e.getHttpStatusCode();
      if (status == null || status >= 500 || status == 429) {
        throw new ChannelUnavailableException(
            status == null
                ? "SMS provider unavailable"
                : "SMS provider unavailable (" + status + ")",
            e);
      }
      throw new RecipientRejectedException(
          "SMS provider refused the message (" + status + ", code " + e.getCode() + ")", null);
    } catch (TwilioException e) {
      throw new ChannelUnavailableException("SMS provider failed", e);
    }
  }
}
