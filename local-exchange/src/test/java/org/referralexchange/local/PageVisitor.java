package org.referralexchange.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Opens the exchange's web pages as a browser would, over plain HTTP: a provider's intake page from
 * the link in its email (its form guarded by a signed double-submit cookie), and the case manager's
 * pages after the demo sign-in (a session cookie and the form's CSRF token). Redirects are not
 * followed, so a test sees each answer as the server gave it. Used by {@link ClosedLoopTests} to
 * collect the pages its canary scans read.
 */
final class PageVisitor {

  private static final Pattern CSRF_INPUT =
      Pattern.compile("<input[^>]*name=\"_csrf\"[^>]*>", Pattern.CASE_INSENSITIVE);
  private static final Pattern VALUE = Pattern.compile("value=\"([^\"]+)\"");

  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(LoopDriver.REQUEST_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  /** The cookies the server set, name to value, sent back on every request (a browser's jar). */
  private final Map<String, String> cookies = new LinkedHashMap<>();

  // --- a provider's intake page ---

  /** The intake link in an email's text: the adapter's page for that referral, or fails. */
  static String intakeLink(String emailText, String adapterUrl, String referralId) {
    Matcher link =
        Pattern.compile(Pattern.quote(adapterUrl + "/intake/" + referralId + "/") + "[^\\s]+")
            .matcher(emailText);
    assertThat(link.find()).as("an intake link in: " + emailText).isTrue();
    return link.group();
  }

  /** The page at {@code url}, as HTML. */
  HttpResponse<String> get(String url) throws Exception {
    HttpResponse<String> response =
        http.send(
            request(url).header("Accept", "text/html").GET().build(),
            HttpResponse.BodyHandlers.ofString());
    keepCookies(response);
    return response;
  }

  /**
   * Submits one of the page's forms: the CSRF token is the one in {@code page}, the cookie the one
   * the server set; {@code fields} are the form's other fields.
   */
  HttpResponse<String> submit(HttpResponse<String> page, String url, Map<String, String> fields)
      throws Exception {
    Map<String, String> form = new LinkedHashMap<>(fields);
    form.put("_csrf", csrfToken(page.body()));
    String body =
        form.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    HttpResponse<String> response =
        http.send(
            request(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "text/html")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    keepCookies(response);
    return response;
  }

  // --- the case manager's pages ---

  /** Signs in through the demo sign-in as {@code staffId}; this visitor then holds the session. */
  void signIn(String gatewayUrl, String staffId) throws Exception {
    HttpResponse<String> form = get(gatewayUrl + "/sign-in");
    assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
    HttpResponse<String> signedIn =
        submit(form, gatewayUrl + "/sign-in/demo", Map.of("staffId", staffId));
    assertThat(signedIn.statusCode()).as("demo sign-in as " + staffId).isEqualTo(302);
    assertThat(signedIn.headers().firstValue("Location"))
        .as("demo sign-in as " + staffId)
        .hasValueSatisfying(to -> assertThat(to).endsWith("/referrals"));
  }

  // --- a browser's parts ---

  private HttpRequest.Builder request(String url) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(LoopDriver.REQUEST_TIMEOUT);
    if (!cookies.isEmpty()) {
      request.header(
          "Cookie",
          cookies.entrySet().stream()
              .map(c -> c.getKey() + "=" + c.getValue())
              .collect(Collectors.joining("; ")));
    }
    return request;
  }

  /**
   * Keeps every cookie set, Secure ones too: the local run serves plain http on the loopback, where
   * a browser treats the connection as secure as well.
   */
  private void keepCookies(HttpResponse<?> response) {
    List<String> set = response.headers().allValues("Set-Cookie");
    for (String cookie : set) {
      String pair = cookie.split(";", 2)[0];
      int equals = pair.indexOf('=');
      if (equals > 0) {
        cookies.put(pair.substring(0, equals).strip(), pair.substring(equals + 1).strip());
      }
    }
  }

  private static String csrfToken(String html) {
    Matcher input = CSRF_INPUT.matcher(html);
    assertThat(input.find()).as("a form with a CSRF token in: " + html).isTrue();
    Matcher value = VALUE.matcher(input.group());
    assertThat(value.find()).as(input.group()).isTrue();
    return value.group(1);
  }
}
