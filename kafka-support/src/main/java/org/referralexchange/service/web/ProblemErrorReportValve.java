package org.referralexchange.service.web;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;

/**
 * Tomcat's own error answers (a request it refuses before any servlet sees it, such as a path with
 * {@code %00}) as a problem detail of type {@code malformed-request}, instead of Tomcat's HTML page
 * with its name and version. Errors that reach Spring keep Spring's problem details.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    String body =
        "{\"type\":\"/problems/"
            + (status >= 500 ? "internal-error" : "malformed-request")
            + "\",\"title\":\""
            + (status >= 500 ? "Internal error" : "Malformed request")
            + "\",\"status\":"
            + status
            + ",\"detail\":\"The server could not read this request.\"}";
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding(StandardCharsets.UTF_8.name());
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(body);
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // The client is gone or the response already started: nothing more to say.
    }
  }
}
