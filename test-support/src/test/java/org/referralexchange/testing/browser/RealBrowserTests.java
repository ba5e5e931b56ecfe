package org.referralexchange.testing.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.openqa.selenium.By;

/**
 * The browser tests' own parts: the skip without Chromium, and axe-core failing a page with a
 * serious violation even under a Content-Security-Policy that allows no script, as the intake
 * pages' does.
 */
@RealBrowser
class RealBrowserTests {

  /** A page's own CSP, as strict as the intake pages' (no script at all). */
  private static final String STRICT_CSP =
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">";

  @Test
  void axeCorePassesAnAccessiblePageUnderAStrictContentSecurityPolicy(Browser browser) {
    assumeAxe(browser);
    browser.open(
        page(
            "<script>document.title = 'the page ran a script'</script>"
                + "<main><h1>Fine</h1><form><label for=\"a\">Name</label><input id=\"a\">"
                + "<button type=\"submit\">Send</button></form></main>"));

    browser.assertAccessible("a page with labels");
    // The policy holds for the page's own script; WebDriver's (axe's) ran regardless.
    assertThat(browser.title()).isEqualTo("Test page");
    assertThat(browser.driver().findElement(By.tagName("h1")).getText()).isEqualTo("Fine");
  }

  @Test
  void axeCoreFailsAPageWithAnUnnamedButtonAndAnUnlabelledField(Browser browser) {
    assumeAxe(browser);
    browser.open(
        page(
            "<main><h1>Broken</h1><form><input id=\"a\"><button type=\"submit\"></button></form></main>"));

    assertThatThrownBy(() -> browser.assertAccessible("a broken page"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("button-name (critical)")
        .hasMessageContaining("label (critical)")
        .hasMessageContaining("a broken page");
  }

  @Test
  void withoutChromiumTheClassIsSkippedNamingWhatIsMissing() throws Exception {
    String before = System.getProperty(Browser.CHROMIUM_PROPERTY);
    Path nowhere = Files.createTempDirectory("no-chromium").resolve("chromium");
    System.setProperty(Browser.CHROMIUM_PROPERTY, nowhere.toString());
    try {
      ConditionEvaluationResult result =
          new RealBrowserExtension().evaluateExecutionCondition(null);

      assertThat(result.isDisabled()).isTrue();
      assertThat(result.getReason())
          .hasValueSatisfying(
              reason ->
                  assertThat(reason)
                      .contains("Chromium at " + nowhere, "Debian package chromium")
                      .doesNotContain("ChromeDriver at"));
    } finally {
      if (before == null) {
        System.clearProperty(Browser.CHROMIUM_PROPERTY);
      } else {
        System.setProperty(Browser.CHROMIUM_PROPERTY, before);
      }
    }
  }

  private static void assumeAxe(Browser browser) {
    Optional<String> why = browser.axeUnavailable();
    Assumptions.assumeTrue(why.isEmpty(), () -> "axe-core unavailable: " + why.orElseThrow());
  }

  private static String page(String body) {
    String html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            + STRICT_CSP
            + "<title>Test page</title></head><body>"
            + body
            + "</body></html>";
    return "data:text/html;charset=utf-8,"
        + URLEncoder.encode(html, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
