package org.referralexchange.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.gateway.security.ProblemAssertions.assertProblem;
import static org.referralexchange.gateway.security.SecurityTestConfiguration.COUNTY_KEY;
import static org.referralexchange.gateway.security.SecurityTestConfiguration.SHELTER_KEY;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.referralexchange.gateway.security.SecurityTestConfiguration.MutableClock;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import org.springframework.web.context.WebApplicationContext;

/** Three requests a minute per agency: one token every 20 seconds. Time moves only by hand. */
@SecuritySliceTest
@TestPropertySource(properties = "gateway.limits.requests-per-minute=3")
class RateLimitTests {

  private static final String ME = "/api/v1/me";

  @Autowired private WebApplicationContext context;
  @Autowired private MutableClock clock;
  @Autowired private MeterRegistry meters;

  private MockMvcTester mvc;

  @BeforeEach
  void setUp() {
    mvc = MockMvcTester.from(context, builder -> builder.apply(springSecurity()).build());
    // Long enough for every bucket to be full again, whatever an earlier test spent.
    clock.advance(Duration.ofHours(1));
  }

  @Test
  void refusesRequestsBeyondTheLimitWithRetryAfter() {
    for (int i = 0; i < 3; i++) {
      assertThat(me(COUNTY_KEY)).as("request %d", i + 1).hasStatusOk();
    }

    MvcTestResult refused = me(COUNTY_KEY);

    assertProblem(refused, 429, ProblemTypes.RATE_LIMITED);
    assertThat(refused).hasHeader(HttpHeaders.RETRY_AFTER, "20");
  }

  @Test
  void allowsTheAgencyAgainOnceRetryAfterHasPassed() {
    exhaust(COUNTY_KEY);
    clock.advance(Duration.ofSeconds(19));
    assertThat(me(COUNTY_KEY)).hasStatus(429).hasHeader(HttpHeaders.RETRY_AFTER, "1");

    clock.advance(Duration.ofSeconds(1));

    assertThat(me(COUNTY_KEY)).hasStatusOk();
    assertThat(me(COUNTY_KEY)).hasStatus(429);
  }

  @Test
  void limitsEachAgencyOnItsOwn() {
    exhaust(COUNTY_KEY);

    assertThat(me(SHELTER_KEY)).hasStatusOk();
  }

  @Test
  void chargesNoAgencyForUnauthenticatedRequests() {
    for (int i = 0; i < 10; i++) {
      assertProblem(
          mvc.get().uri(ME).header("X-Api-Key", "guess-" + i).exchange(),
          401,
          ProblemTypes.UNAUTHENTICATED);
    }

    for (int i = 0; i < 3; i++) {
      assertThat(me(COUNTY_KEY)).as("request %d", i + 1).hasStatusOk();
    }
  }

  @Test
  void countsRefusalsPerAgency() {
    double before = rateLimited("county-hhs");
    exhaust(COUNTY_KEY);

    me(COUNTY_KEY);
    me(COUNTY_KEY);

    assertThat(rateLimited("county-hhs")).isEqualTo(before + 3);
  }

  @Test
  void limitsBeforeReadingTheBody() {
    exhaust(COUNTY_KEY);

    MvcTestResult result =
        mvc.post()
            .uri(SecurityTestConfiguration.EchoController.PATH)
            .header("X-Api-Key", COUNTY_KEY)
            .contentType("application/octet-stream")
            .content(new byte[4096])
            .exchange();

    assertProblem(result, 429, ProblemTypes.RATE_LIMITED);
  }

  /** Spends the agency's whole bucket; the last request is the first refused. */
  private void exhaust(String key) {
    MvcTestResult last;
    int sent = 0;
    do {
      last = me(key);
      sent++;
    } while (last.getResponse().getStatus() == 200 && sent < 10);
    assertThat(last).hasStatus(429);
  }

  private MvcTestResult me(String key) {
    return mvc.get().uri(ME).header("X-Api-Key", key).exchange();
  }

  private double rateLimited(String agency) {
    var counter = meters.find("gateway.rate_limited").tag("agency", agency).counter();
    return counter == null ? 0 : counter.count();
  }
}
