package org.referralexchange.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/** Checks that a response is an RFC 9457 problem of the expected status and stable type. */
final class ProblemAssertions {

  private ProblemAssertions() {}

  static void assertProblem(MvcTestResult result, int status, String slug) {
    assertThat(result)
        .hasStatus(status)
        .hasContentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    assertThat(result)
        .bodyJson()
        .extractingPath("$.type")
        .isEqualTo(ProblemTypes.type(slug).toString());
    assertThat(result).bodyJson().extractingPath("$.status").isEqualTo(status);
    assertThat(result).bodyText().doesNotContain("Exception").doesNotContain("\tat ");
  }
}
