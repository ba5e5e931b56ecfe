package org.referralexchange.gateway.security;

import org.referralexchange.gateway.config.GatewayProperties;
import org.referralexchange.gateway.config.GatewayProperties.Agency;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Lets an agency check its credentials: who the gateway takes it to be, and by which means. */
@RestController
class MeController {

  private final GatewayProperties properties;

  MeController(GatewayProperties properties) {
    this.properties = properties;
  }

  @GetMapping(path = "/api/v1/me", produces = MediaType.APPLICATION_JSON_VALUE)
  Me me(Authentication authentication) {
    String agencyId = authentication.getName();
    return new Me(
        agencyId,
        properties.agency(agencyId).map(Agency::name).orElse(agencyId),
        authentication instanceof JwtAuthenticationToken ? "jwt" : "api-key");
  }

  /**
   * The calling agency.
   *
   * @param agencyId the id every other endpoint knows the agency by
   * @param agencyName its display name
   * @param authentication {@code api-key} or {@code jwt}
   */
  record Me(String agencyId, String agencyName, String authentication) {}
}
