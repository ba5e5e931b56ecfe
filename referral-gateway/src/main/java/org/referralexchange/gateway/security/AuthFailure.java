package org.referralexchange.gateway.security;

import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;

/**
 * Why a request was not authenticated: the {@code reason} tag of {@code gateway.auth.failures} and
 * the problem detail the caller reads. Nothing here repeats what the caller sent.
 */
enum AuthFailure {
  MISSING_CREDENTIALS("missing-credentials", "The request carries no credentials."),
  BAD_API_KEY("bad-api-key", "The API key is not valid."),
  AMBIGUOUS_CREDENTIALS(
      "ambiguous-credentials", "Send either an X-Api-Key header or a bearer token, not both."),
  BAD_TOKEN("bad-token", "The bearer token is not valid or has expired."),
  UNKNOWN_AGENCY(
      "unknown-agency", "The bearer token's agency_id claim names no agency of this exchange.");

  private final String reason;
  private final String detail;

  AuthFailure(String reason, String detail) {
    this.reason = reason;
    this.detail = detail;
  }

  String reason() {
    return reason;
  }

  String detail() {
    return detail;
  }

  static AuthFailure of(AuthenticationException exception) {
    if (exception instanceof ApiKeyRejectedException rejected) {
      return rejected.failure();
    }
    if (exception instanceof UnknownAgencyException) {
      return UNKNOWN_AGENCY;
    }
    if (exception instanceof OAuth2AuthenticationException) {
      return BAD_TOKEN;
    }
    return MISSING_CREDENTIALS;
  }
}
