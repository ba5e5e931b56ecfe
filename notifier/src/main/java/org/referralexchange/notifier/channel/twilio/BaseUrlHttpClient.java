package org.referralexchange.notifier.channel.twilio;

import com.twilio.constant.EnumConstants;
import com.twilio.exception.ApiConnectionException;
import com.twilio.http.HttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Twilio's SDK has no base-URL setting (13.x), so this client sends each request to a configured
 * base URL instead of {@code api.twilio.com}, keeping path and query. Used where Twilio's API is
 * played by a stand-in (tests, a local stub); production leaves the base URL blank and gets the
 * SDK's own client.
 */
class BaseUrlHttpClient extends HttpClient {

  private final String baseUrl;
  private final Duration timeout;
  private final java.net.http.HttpClient http;

  BaseUrlHttpClient(String baseUrl, Duration timeout) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.timeout = timeout;
    this.http = java.net.http.HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Response makeRequest(Request request) {
    URL original = request.constructURL();
    URI target = URI.create(baseUrl + original.getFile());
    boolean json = request.getContentType() == EnumConstants.ContentType.JSON;
    String body = json ? request.getBody() : request.encodeFormBody();
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(target)
            .timeout(timeout)
            .header("Accept", "application/json")
            .header(
                "Content-Type", json ? "application/json" : "application/x-www-form-urlencoded");
    if (request.requiresAuthentication()) {
      builder.header("Authorization", request.getAuthString());
    }
    for (Map.Entry<String, List<String>> header : request.getHeaderParams().entrySet()) {
      for (String value : header.getValue()) {
        builder.header(header.getKey(), value);
      }
    }
    String method = request.getMethod().toString();
    builder.method(
        method,
        body == null || body.isEmpty()
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    try {
      HttpResponse<String> response =
          http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(response.body(), response.statusCode());
    } catch (IOException e) {
      throw new ApiConnectionException(
          "Twilio API unreachable: " + e.getClass().getSimpleName(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiConnectionException("Interrupted", e);
    }
  }
}
