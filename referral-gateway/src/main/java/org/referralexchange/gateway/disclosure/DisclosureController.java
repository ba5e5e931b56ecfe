package org.referralexchange.gateway.disclosure;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Size;
import java.security.Principal;
import org.referralexchange.gateway.consent.ConsentView;
import org.referralexchange.gateway.privacy.Hmac;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.gateway.problem.MayRefuseWith;
import org.referralexchange.gateway.problem.ProblemCatalog.Group;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A client's accounting of disclosures, for the agency that disclosed: the agency's client id
 * becomes the pseudonym as for consents, and only that agency's disclosures are listed. A client
 * the agency recorded no consent for is not found, as another agency's consents are not.
 */
@RestController
@Tag(
    name = "Disclosures",
    description =
        "The accounting of disclosures a client may ask for (42 CFR 2.24, 45 CFR 164.528).")
// No class-level @Validated: Spring MVC validates constrained parameters itself (raising
// HandlerMethodValidationException) and @Valid bodies in their resolvers; the AOP proxy that
// @Validated adds validated every body a second time.
@RequestMapping(path = "/api/v1/clients", produces = MediaType.APPLICATION_JSON_VALUE)
class DisclosureController {

  private final DisclosureView disclosures;
  private final ConsentView consents;
  private final Hmac hmac;

  DisclosureController(DisclosureView disclosures, ConsentView consents, Hmac hmac) {
    this.disclosures = disclosures;
    this.consents = consents;
    this.hmac = hmac;
  }

  @Operation(
      operationId = "listDisclosures",
      summary = "A client's accounting of disclosures",
      description = "What this agency disclosed about the client, to whom and when, newest first.")
  @MayRefuseWith(Group.PARAMETERS)
  @GetMapping("/{clientId}/disclosures")
  DisclosureResponse.Accounting list(
      Principal agency, @PathVariable @Size(max = 128) String clientId) {
    String pseudonym = hmac.clientPseudonym(agency.getName(), clientId);
    if (consents.forClient(agency.getName(), pseudonym).isEmpty()) {
      // The detail does not repeat the client id: it may be one the agency uses in its records.
      throw new GatewayProblem(
          HttpStatus.NOT_FOUND,
          ProblemTypes.NOT_FOUND,
          "Not found",
          "This agency recorded no consent for that client.");
    }
    return new DisclosureResponse.Accounting(
        pseudonym,
        disclosures.of(agency.getName(), pseudonym).stream().map(DisclosureResponse::of).toList());
  }
}
