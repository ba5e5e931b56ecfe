package org.referralexchange.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * Reads the {@code X-Api-Key} header. No header: nothing to authenticate here (a bearer token or
 * nothing at all may follow). A key and a bearer token together are refused rather than guessed at.
 */
public final class ApiKeyAuthenticationConverter implements AuthenticationConverter {

  /** The header an agency's API key travels in (also named in the OpenAPI document). */
  public static final String HEADER = "X-Api-Key";

  @Override
  public Authentication convert(HttpServletRequest request) {
    String key = request.getHeader(HEADER);
    if (key == null) {
      return null;
    }
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiKeyRejectedException(AuthFailure.AMBIGUOUS_CREDENTIALS);
    }
    return ApiKeyAuthenticationToken.presented(key.strip());
  }
}
