package org.referralexchange.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.http.server.ServletServerHttpResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a problem detail from a filter, where no controller advice reaches, in the same shape as
 * Spring MVC writes them: {@code application/problem+json}, {@code instance} = the request path.
 */
final class ProblemResponses {

  private final JacksonJsonHttpMessageConverter converter =
      new JacksonJsonHttpMessageConverter(JsonMapper.builder());

  void send(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    if (problem.getInstance() == null) {
      try {
        problem.setInstance(URI.create(request.getRequestURI()));
      } catch (IllegalArgumentException notAUri) {
        // Leave instance out rather than fail while refusing a request.
      }
    }
    ServletServerHttpResponse out = new ServletServerHttpResponse(response);
    out.setStatusCode(HttpStatusCode.valueOf(problem.getStatus()));
    converter.write(problem, MediaType.APPLICATION_PROBLEM_JSON, out);
    out.flush();
  }
}
