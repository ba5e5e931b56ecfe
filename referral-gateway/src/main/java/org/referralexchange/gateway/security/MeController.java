package org.referralexchange.gateway.security;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.referralexchange.gateway.config.GatewayProperties;
import org.referralexchange.gateway.config.GatewayProperties.Agency;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Lets an agency check its credentials: who the gateway takes it to be, and by which means. */
@RestController
@Tag(name = "Agency", description = "Who the gateway takes the caller to be.")
class MeController {

  private final GatewayProperties properties;

  MeController(GatewayProperties properties) {
    this.properties = properties;
  }

  @Operation(
      operationId = "whoAmI",
      summary = "Check the credentials",
      description = "The agency the credentials name, and whether an API key or a bearer token.")
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
  @Schema(name = "CallingAgency")
  record Me(String agencyId, String agencyName, String authentication) {}
}
