package org.referralexchange.adapter.apidoc;

import java.net.URI;
import org.springframework.http.HttpStatus;

/**
 * One answer a callback can refuse with: its status, stable type and when, for the document.
 *
 * @param slug the type's last segment, as the controller sets it ({@code /problems/<slug>})
 */
public record CallbackProblem(HttpStatus status, String slug, String title, String when) {

  public URI type() {
    return URI.create("/problems/" + slug);
  }
}
