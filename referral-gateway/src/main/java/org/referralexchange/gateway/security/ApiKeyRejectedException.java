package org.referralexchange.gateway.security;

import org.springframework.security.authentication.BadCredentialsException;

/** An {@code X-Api-Key} header that authenticates no agency. The message never holds the key. */
final class ApiKeyRejectedException extends BadCredentialsException {

  private final AuthFailure failure;

  ApiKeyRejectedException(AuthFailure failure) {
    super(failure.detail());
    this.failure = failure;
  }

  AuthFailure failure() {
    return failure;
  }
}
