package org.referralexchange.gateway.security;

import java.util.ArrayList;
import java.util.Collection;
import org.referralexchange.gateway.config.GatewayProperties;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;

/**
 * Turns a validated JWT into an agency: the {@code agency_id} claim is the principal name, and it
 * must name a configured agency, otherwise the token is refused (401) however well it is signed.
 */
final class AgencyJwtAuthenticationConverter
    implements Converter<Jwt, AbstractAuthenticationToken> {

  static final String AGENCY_ID_CLAIM = "agency_id";

  private final GatewayProperties properties;
  private final JwtAuthenticationConverter delegate = new JwtAuthenticationConverter();

  AgencyJwtAuthenticationConverter(GatewayProperties properties) {
    this.properties = properties;
    JwtGrantedAuthoritiesConverter scopes = new JwtGrantedAuthoritiesConverter();
    delegate.setPrincipalClaimName(AGENCY_ID_CLAIM);
    delegate.setJwtGrantedAuthoritiesConverter(
        jwt -> {
          Collection<GrantedAuthority> authorities = new ArrayList<>(scopes.convert(jwt));
          authorities.add(AgencyAuthority.AGENCY);
          return authorities;
        });
  }

  @Override
  public AbstractAuthenticationToken convert(Jwt jwt) {
    String agencyId = jwt.getClaimAsString(AGENCY_ID_CLAIM);
    if (agencyId == null || properties.agency(agencyId).isEmpty()) {
      throw new UnknownAgencyException();
    }
    return delegate.convert(jwt);
  }
}
