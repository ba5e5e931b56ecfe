package org.referralexchange.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.gateway.it.PageBrowser.form;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The pages as every deployment but the local run has them: no demo sign-in, and a session cookie
 * sent over HTTPS only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PagesDefaultsTests {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry properties) {
    TestInfrastructure.register(properties);
  }

  @LocalServerPort int port;

  @BeforeEach
  void ready() {
    PartTwoFlows.awaitReadiness(new GatewayClient(port));
  }

  @Test
  void theDemoSignInIsOffByDefault() {
    PageBrowser browser = new PageBrowser(port);

    PageBrowser.Page signIn = browser.get("/sign-in");
    PageBrowser.Page tried = browser.post("/sign-in/demo", form("staffId", "cm-7"));

    assertThat(signIn.status()).isEqualTo(200);
    assertThat(signIn.body())
        .doesNotContain("demo-sign-in")
        .doesNotContain("cm-7")
        .contains("sign-in-unavailable");
    assertThat(tried.status()).isIn(403, 404);
    assertThat(tried.location()).isNull();
    PageBrowser.Page list = browser.get("/referrals");
    assertThat(list.status()).isEqualTo(302);
    assertThat(list.location()).contains("/sign-in");
  }

  @Test
  void theSessionCookieIsSecureHttpOnlyAndLaxByDefault() {
    PageBrowser.Page signIn = new PageBrowser(port).get("/referrals");

    assertThat(signIn.headers("Set-Cookie"))
        .anySatisfy(
            cookie ->
                assertThat(cookie)
                    .startsWith("JSESSIONID=")
                    .contains("Secure")
                    .contains("HttpOnly")
                    .contains("SameSite=Lax"));
  }
}
