package org.referralexchange.gateway.security;

import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

/** A validly signed bearer token whose {@code agency_id} names no configured agency. */
final class UnknownAgencyException extends InvalidBearerTokenException {

  UnknownAgencyException() {
    super(AuthFailure.UNKNOWN_AGENCY.detail());
  }
}
