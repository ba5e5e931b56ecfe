package org.referralexchange.gateway.web;

import java.util.ArrayList;
import java.util.Collection;
import org.referralexchange.gateway.config.GatewayProperties;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserRequest;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserService;
import org.springframework.security.oauth2.client.userinfo.OAuth2UserService;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;

/**
 * Turns an OIDC sign-in into a staff member of an agency: the agency comes from a claim of the ID
 * token (or user info), as the API's bearer tokens carry it, and must name a configured agency.
 * Without it the sign-in is refused however valid the token: an account of the identity provider is
 * not by itself a member of any agency's staff.
 */
final class StaffOidcUserService implements OAuth2UserService<OidcUserRequest, OidcUser> {

  static final String NO_AGENCY = "no_agency";

  private final OidcUserService delegate = new OidcUserService();
  private final GatewayProperties gateway;
  private final WebProperties web;

  StaffOidcUserService(GatewayProperties gateway, WebProperties web) {
    this.gateway = gateway;
    this.web = web;
  }

  @Override
  public OidcUser loadUser(OidcUserRequest request) {
    OidcUser user = delegate.loadUser(request);
    Object agencyClaim = user.getClaims().get(web.agencyClaim());
    String agencyId = agencyClaim instanceof String s ? s : null;
    if (agencyId == null || gateway.agency(agencyId).isEmpty()) {
      throw new OAuth2AuthenticationException(
          new OAuth2Error(NO_AGENCY, "The account names no agency of the exchange.", null));
    }
    Object idClaim = user.getClaims().get(web.userIdClaim());
    String userId = idClaim instanceof String s && !s.isBlank() ? s : user.getSubject();
    String name = user.getFullName() != null ? user.getFullName() : userId;
    Collection<GrantedAuthority> authorities = new ArrayList<>(user.getAuthorities());
    authorities.add(new SimpleGrantedAuthority("ROLE_" + StaffMember.ROLE));
    return new StaffOidcUser(
        authorities,
        user.getIdToken(),
        user.getUserInfo(),
        new StaffMember(agencyId, userId, name));
  }
}
