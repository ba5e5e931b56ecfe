package org.referralexchange.gateway.security;

import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** The authority every authenticated agency holds, whichever way it authenticated. */
final class AgencyAuthority {

  static final String ROLE = "AGENCY";
  static final GrantedAuthority AGENCY = new SimpleGrantedAuthority("ROLE_" + ROLE);

  private AgencyAuthority() {}

  /** The agency id of an authentication, if it is an authenticated agency. */
  static Optional<String> agencyId(Authentication authentication) {
    if (authentication == null
        || !authentication.isAuthenticated()
        || authentication.getAuthorities().stream()
            .noneMatch(a -> AGENCY.getAuthority().equals(a.getAuthority()))) {
      return Optional.empty();
    }
    return Optional.of(authentication.getName());
  }
}
