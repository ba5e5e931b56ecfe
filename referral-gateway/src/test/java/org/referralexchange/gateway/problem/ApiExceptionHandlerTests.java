package org.referralexchange.gateway.problem;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MaxUploadSizeExceededException;

/**
 * The handler in Spring MVC's real dispatching (a standalone MockMvc around a probe controller):
 * the gateway's own refusals and the framework's exceptions, through {@code
 * ResponseEntityExceptionHandler}, all answer with a stable type and no echoed value.
 */
class ApiExceptionHandlerTests {

  @RestController
  static class Probe {
    @GetMapping("/busy")
    String busy() {
      throw new GatewayProblem(
          HttpStatus.SERVICE_UNAVAILABLE,
          ProblemTypes.DIRECTORY_NOT_READ,
          "Directory not read yet",
          "Try again shortly.",
          Map.of("provider", "riverside-housing"),
          Optional.of(Duration.ofSeconds(7)));
    }

    @GetMapping("/binding")
    String binding() throws ServletRequestBindingException {
      throw new ServletRequestBindingException("value Jane Canary cannot be bound");
    }

    @GetMapping("/upload")
    String upload() {
      throw new MaxUploadSizeExceededException(1024);
    }

    @PostMapping(path = "/referrals", consumes = MediaType.APPLICATION_JSON_VALUE)
    String submit(@RequestHeader("Idempotency-Key") String key) {
      return key;
    }
  }

  final MockMvc mvc =
      MockMvcBuilders.standaloneSetup(new Probe())
          .setControllerAdvice(new ApiExceptionHandler())
          .build();

  @Test
  void gatewayProblemAnswersWithItsTypePropertiesAndRetryAfter() throws Exception {
    mvc.perform(get("/busy"))
        .andExpect(status().isServiceUnavailable())
        .andExpect(header().string("Retry-After", "7"))
        .andExpect(jsonPath("$.type").value("/problems/" + ProblemTypes.DIRECTORY_NOT_READ))
        .andExpect(jsonPath("$.title").value("Directory not read yet"))
        .andExpect(jsonPath("$.detail").value("Try again shortly."))
        .andExpect(jsonPath("$.provider").value("riverside-housing"));
  }

  @Test
  void frameworkExceptionsWithoutOwnWordsGetTheirStatusTypeAndNoEchoedValue() throws Exception {
    mvc.perform(get("/binding"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.type").value("/problems/" + ProblemTypes.MALFORMED_REQUEST))
        .andExpect(content().string(not(containsString("Canary"))));
    mvc.perform(get("/upload"))
        .andExpect(status().isPayloadTooLarge())
        .andExpect(jsonPath("$.type").value("/problems/" + ProblemTypes.PAYLOAD_TOO_LARGE));
  }

  @Test
  void missingIdempotencyKeyHasItsOwnType() throws Exception {
    mvc.perform(post("/referrals").contentType(MediaType.APPLICATION_JSON).content("{}"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.type").value("/problems/" + ProblemTypes.IDEMPOTENCY_KEY_MISSING))
        .andExpect(jsonPath("$.detail").value("Header 'Idempotency-Key' is required."));
  }

  @Test
  void wrongMethodAndMediaTypeKeepTheirWordsAndTheFrameworksHeaders() throws Exception {
    mvc.perform(get("/referrals"))
        .andExpect(status().isMethodNotAllowed())
        .andExpect(header().string("Allow", containsString("POST")))
        .andExpect(jsonPath("$.type").value("/problems/" + ProblemTypes.METHOD_NOT_ALLOWED));
    mvc.perform(
            post("/referrals")
                .header("Idempotency-Key", "k")
                .contentType(MediaType.TEXT_PLAIN)
                .content("x"))
        .andExpect(status().isUnsupportedMediaType())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("/problems/" + ProblemTypes.UNSUPPORTED_MEDIA_TYPE));
  }
}
