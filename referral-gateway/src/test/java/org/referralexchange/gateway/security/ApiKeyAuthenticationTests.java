package org.referralexchange.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.referralexchange.gateway.security.ProblemAssertions.assertProblem;
import static org.referralexchange.gateway.security.SecurityTestConfiguration.COUNTY_KEY;
import static org.referralexchange.gateway.security.SecurityTestConfiguration.COUNTY_NEXT_KEY;
import static org.referralexchange.gateway.security.SecurityTestConfiguration.SHELTER_KEY;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import org.springframework.web.context.WebApplicationContext;

/** API keys, the default local authentication, and what stays public. No JWT issuer configured. */
@SecuritySliceTest
class ApiKeyAuthenticationTests {

  private static final String ME = "/api/v1/me";

  @Autowired private WebApplicationContext context;
  @Autowired private MeterRegistry meters;

  private MockMvcTester mvc;

  @BeforeEach
  void setUp() {
    mvc = MockMvcTester.from(context, builder -> builder.apply(springSecurity()).build());
  }

  @Test
  void refusesRequestWithoutCredentialsWithUnauthenticatedProblemAndChallenge() {
    MvcTestResult result = mvc.get().uri(ME).exchange();

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
    assertThat(result.getResponse().getHeaders(HttpHeaders.WWW_AUTHENTICATE))
        .containsExactly("ApiKey header=\"X-Api-Key\"");
  }

  @Test
  void refusesUnknownApiKeyWithoutEchoingIt() {
    String wrongKey = "not-a-key-of-any-agency-5f1c";

    MvcTestResult result = mvc.get().uri(ME).header("X-Api-Key", wrongKey).exchange();

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
    assertThat(result).bodyJson().extractingPath("$.detail").isEqualTo("The API key is not valid.");
    assertThat(result).bodyText().doesNotContain(wrongKey);
    assertThat(result.getResponse().getHeaderNames())
        .allSatisfy(
            name ->
                assertThat(result.getResponse().getHeaders(name))
                    .noneMatch(v -> v.contains(wrongKey)));
  }

  @Test
  void refusesBlankApiKey() {
    assertProblem(
        mvc.get().uri(ME).header("X-Api-Key", " ").exchange(), 401, ProblemTypes.UNAUTHENTICATED);
  }

  @Test
  void identifiesTheAgencyOfAValidApiKey() {
    MvcTestResult result = mvc.get().uri(ME).header("X-Api-Key", COUNTY_KEY).exchange();

    assertThat(result).hasStatusOk();
    assertThat(result)
        .bodyJson()
        .isStrictlyEqualTo(
            """
            {"agencyId":"county-hhs","agencyName":"County Health and Human Services",
             "authentication":"api-key"}
            """);
    assertThat(result).bodyText().doesNotContain(COUNTY_KEY);
  }

  @Test
  void acceptsEachConfiguredKeyOfAnAgencyDuringRotation() {
    assertThat(mvc.get().uri(ME).header("X-Api-Key", COUNTY_NEXT_KEY))
        .hasStatusOk()
        .bodyJson()
        .extractingPath("$.agencyId")
        .isEqualTo("county-hhs");
    assertThat(mvc.get().uri(ME).header("X-Api-Key", SHELTER_KEY))
        .hasStatusOk()
        .bodyJson()
        .extractingPath("$.agencyId")
        .isEqualTo("harbor-shelter");
  }

  @Test
  void ignoresBearerTokensWhenNoIssuerIsConfigured() {
    assertThat(context.getBeanProvider(JwtDecoder.class).getIfAvailable()).isNull();

    MvcTestResult result =
        mvc.get().uri(ME).header(HttpHeaders.AUTHORIZATION, "Bearer some.jwt.token").exchange();

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
    assertThat(result.getResponse().getHeaders(HttpHeaders.WWW_AUTHENTICATE))
        .noneMatch(challenge -> challenge.startsWith("Bearer"));
  }

  @Test
  void refusesApiKeyAndBearerTokenTogether() {
    MvcTestResult result =
        mvc.get()
            .uri(ME)
            .header("X-Api-Key", COUNTY_KEY)
            .header(HttpHeaders.AUTHORIZATION, "Bearer some.jwt.token")
            .exchange();

    assertProblem(result, 401, ProblemTypes.UNAUTHENTICATED);
  }

  @Test
  void forbidsAnAuthenticatedCallerThatIsNotAnAgency() {
    MvcTestResult result = mvc.get().uri(ME).with(user("operator").roles("OPERATOR")).exchange();

    assertProblem(result, 403, ProblemTypes.FORBIDDEN);
  }

  @Test
  void countsAuthenticationFailuresByReason() {
    double before = failures("bad-api-key");

    mvc.get().uri(ME).header("X-Api-Key", "wrong").exchange();
    mvc.get().uri(ME).header("X-Api-Key", "also-wrong").exchange();

    assertThat(failures("bad-api-key")).isEqualTo(before + 2);
  }

  @Test
  void leavesHealthMetricsAndApiDocsPublic() {
    assertThat(mvc.get().uri("/actuator/health")).hasStatusOk();
    assertThat(mvc.get().uri("/actuator/health/liveness")).hasStatusOk();
    assertThat(mvc.get().uri("/actuator/prometheus")).hasStatusOk();
    assertThat(mvc.get().uri("/v3/api-docs")).hasStatusOk();
  }

  @Test
  void requiresAuthenticationEverywhereElse() {
    assertProblem(mvc.get().uri("/actuator/env").exchange(), 401, ProblemTypes.UNAUTHENTICATED);
    assertProblem(mvc.get().uri("/anything").exchange(), 401, ProblemTypes.UNAUTHENTICATED);
    assertProblem(
        mvc.post().uri("/api/v1/referrals").exchange(), 401, ProblemTypes.UNAUTHENTICATED);
  }

  @Test
  void keepsNoSessionAndSetsNoCookie() {
    MvcTestResult result = mvc.get().uri(ME).header("X-Api-Key", COUNTY_KEY).exchange();

    assertThat(result).hasStatusOk().doesNotContainHeader(HttpHeaders.SET_COOKIE);
    assertThat(result.getRequest().getSession(false)).isNull();
  }

  @Test
  void refusesBodyWhoseContentLengthExceedsTheLimitBeforeTheControllerRuns() {
    SecurityTestConfiguration.EchoController echo =
        context.getBean(SecurityTestConfiguration.EchoController.class);
    int callsBefore = echo.calls.get();

    MvcTestResult result =
        mvc.post()
            .uri(SecurityTestConfiguration.EchoController.PATH)
            .header("X-Api-Key", COUNTY_KEY)
            .contentType("application/octet-stream")
            .content(new byte[1025])
            .exchange();

    assertProblem(result, 413, ProblemTypes.PAYLOAD_TOO_LARGE);
    assertThat(echo.calls.get()).isEqualTo(callsBefore);
  }

  @Test
  void passesBodyAtTheLimitToTheController() {
    assertThat(
            mvc.post()
                .uri(SecurityTestConfiguration.EchoController.PATH)
                .header("X-Api-Key", COUNTY_KEY)
                .contentType("application/octet-stream")
                .content(new byte[1024]))
        .hasStatusOk()
        .bodyJson()
        .extractingPath("$.bytes")
        .isEqualTo(1024);
  }

  private double failures(String reason) {
    var counter = meters.find("gateway.auth.failures").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }
}
