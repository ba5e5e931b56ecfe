package org.referralexchange.gateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
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
 * A browser as far as the pages need one: real HTTP to the gateway's port, cookies kept (a
 * session), redirects shown rather than followed (tests assert them), forms posted as browsers post
 * them ({@code application/x-www-form-urlencoded}).
 */
final class PageBrowser {

  private static final Pattern CSRF =
      Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"|value=\"([^\"]+)\" name=\"_csrf\"");

  final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
  private final HttpClient http =
      HttpClient.newBuilder()
          .cookieHandler(cookies)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  final String base;

  PageBrowser(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  record Page(int status, HttpResponse<String> response) {
    String body() {
      return response.body();
    }

    String location() {
      return response.headers().firstValue("Location").orElse(null);
    }

    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }

    List<String> headers(String name) {
      return response.headers().allValues(name);
    }

    /** The CSRF token of the first form on the page. */
    String csrf() {
      Matcher m = CSRF.matcher(body());
      if (!m.find()) {
        throw new AssertionError("no CSRF field on the page: " + body());
      }
      return m.group(1) != null ? m.group(1) : m.group(2);
    }

    /** The value of a hidden input by name. */
    String hidden(String name) {
      Matcher m =
          Pattern.compile("name=\"" + Pattern.quote(name) + "\" value=\"([^\"]*)\"")
              .matcher(body());
      if (!m.find()) {
        throw new AssertionError("no field " + name);
      }
      return m.group(1);
    }
  }

  Page get(String pathOrUrl) {
    return send(HttpRequest.newBuilder(uri(pathOrUrl)).GET().header("Accept", "text/html").build());
  }

  /** Follows redirects from a GET or a redirect answer, as a browser would, to the final page. */
  Page follow(Page page) {
    Page current = page;
    for (int i = 0; i < 10 && current.status() / 100 == 3; i++) {
      current = get(current.location());
    }
    return current;
  }

  Page post(String path, Map<String, String> form) {
    String body =
        form.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "text/html")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /** Signs in with the demo sign-in as {@code staffId}; answers the redirect that follows. */
  Page demoSignIn(String staffId) {
    Page signIn = get("/sign-in");
    return post("/sign-in/demo", form("_csrf", signIn.csrf(), "staffId", staffId));
  }

  static Map<String, String> form(String... pairs) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], pairs[i + 1]);
    }
    return form;
  }

  private URI uri(String pathOrUrl) {
    return URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl);
  }

  private Page send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Page(response.statusCode(), response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
