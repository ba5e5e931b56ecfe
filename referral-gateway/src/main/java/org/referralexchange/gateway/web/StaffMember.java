package org.referralexchange.gateway.web;

import java.io.Serializable;
import java.util.Optional;
import org.springframework.security.core.AuthenticatedPrincipal;
import org.springframework.security.core.Authentication;

/**
 * Who is signed in to the pages: a member of an agency's staff. The agency decides what may be
 * read; the id only serves the "mine" filter.
 *
 * @param agencyId a configured agency, from the sign-in (a claim, or the demo choice)
 * @param userId the staff member's id, compared with the referrals' {@code caseManager.id}
 * @param displayName for the page header (getName() is the id, as Spring Security reads it)
 */
public record StaffMember(String agencyId, String userId, String displayName)
    implements AuthenticatedPrincipal, Serializable {

  static final String ROLE = "STAFF";

  @Override
  public String getName() {
    return userId;
  }

  /** The staff member of a page session's authentication, whichever way they signed in. */
  static Optional<StaffMember> of(Authentication authentication) {
    if (authentication == null || !authentication.isAuthenticated()) {
      return Optional.empty();
    }
    Object principal = authentication.getPrincipal();
    if (principal instanceof StaffMember staff) {
      return Optional.of(staff);
    }
    if (principal instanceof StaffOidcUser user) {
      return Optional.of(user.staff());
    }
    return Optional.empty();
  }
}
