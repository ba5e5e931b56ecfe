package org.referralexchange.gateway.web;

import java.util.Collection;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.OidcUserInfo;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;

/** A user signed in with OIDC, known to belong to a configured agency. */
final class StaffOidcUser extends DefaultOidcUser {

  private static final long serialVersionUID = 1L;

  private final StaffMember staff;

  StaffOidcUser(
      Collection<? extends GrantedAuthority> authorities,
      OidcIdToken idToken,
      OidcUserInfo userInfo,
      StaffMember staff) {
    super(authorities, idToken, userInfo);
    this.staff = staff;
  }

  StaffMember staff() {
    return staff;
  }

  @Override
  public String getName() {
    return staff.userId();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StaffOidcUser that && super.equals(that) && staff.equals(that.staff);
  }

  @Override
  public int hashCode() {
    return super.hashCode() * 31 + staff.hashCode();
  }
}
