package org.referralexchange.gateway.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;

/**
 * An agency authenticated by API key. Before authentication it carries only the presented key (as
 * credentials, never as principal, so it is never printed); after, the agency id is the principal
 * and the name, and the key is gone.
 */
final class ApiKeyAuthenticationToken extends AbstractAuthenticationToken {

  private final String agencyId;
  private String apiKey;

  private ApiKeyAuthenticationToken(
      String agencyId, String apiKey, List<? extends GrantedAuthority> authorities) {
    super(authorities);
    this.agencyId = agencyId;
    this.apiKey = apiKey;
    setAuthenticated(agencyId != null);
  }

  /** A key as presented by a caller, not yet checked. */
  static ApiKeyAuthenticationToken presented(String apiKey) {
    return new ApiKeyAuthenticationToken(null, apiKey, List.of());
  }

  /** The agency whose key was checked. */
  static ApiKeyAuthenticationToken agency(String agencyId) {
    return new ApiKeyAuthenticationToken(agencyId, null, List.of(AgencyAuthority.AGENCY));
  }

  @Override
  public Object getCredentials() {
    return apiKey;
  }

  @Override
  public Object getPrincipal() {
    return agencyId;
  }

  @Override
  public void eraseCredentials() {
    apiKey = null;
    super.eraseCredentials();
  }
}
