package org.referralexchange.gateway.consent;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import java.net.URI;
import java.security.Principal;
import java.util.List;
import org.referralexchange.gateway.problem.MayRefuseWith;
import org.referralexchange.gateway.problem.ProblemCatalog.Group;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Consents to share, recorded, revoked and ended by their event by the disclosing agency. */
@RestController
@Tag(
    name = "Consents",
    description =
        "A client's consents to share (HIPAA 45 CFR 164.508, 42 CFR Part 2): recorded first, before any referral.")
// No class-level @Validated: Spring MVC validates constrained parameters itself (raising
// HandlerMethodValidationException) and @Valid bodies in their resolvers; the AOP proxy that
// @Validated adds validated every body a second time.
// JSON in and out, decided by the mapping before the handler runs: any other Content-Type is 415
// and an Accept that excludes JSON is 406, and neither publishes anything.
@RequestMapping(path = "/api/v1/consents", produces = MediaType.APPLICATION_JSON_VALUE)
class ConsentController {

  private final ConsentService consents;

  ConsentController(ConsentService consents) {
    this.consents = consents;
  }

  @Operation(
      operationId = "recordConsent",
      summary = "Record a consent",
      description =
          "The signed consent's terms: recipients, information categories, purpose, expiry and"
              + " signature. `201` with its id, which referrals name.")
  @MayRefuseWith({Group.CONSENT_RECORDING, Group.DIRECTORY, Group.PUBLISHES})
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ConsentResponse> record(
      Principal agency, @Valid @RequestBody ConsentRequests.RecordConsent request) {
    ConsentState state = consents.record(agency.getName(), request);
    return ResponseEntity.created(URI.create("/api/v1/consents/" + state.consent().getConsentId()))
        .body(ConsentResponse.of(state, consents.now(), List.of()));
  }

  @Operation(
      operationId = "revokeConsent",
      summary = "Revoke a consent",
      description =
          "Names the referrals still open under it (`endingReferralIds`); the exchange withdraws"
              + " them. Revoking again changes nothing.")
  @MayRefuseWith({Group.CONSENT_REVOCATION, Group.PUBLISHES})
  @PostMapping(path = "/{consentId}/revocation", consumes = MediaType.APPLICATION_JSON_VALUE)
  ConsentResponse revoke(
      Principal agency,
      @PathVariable String consentId,
      @Valid @RequestBody(required = false) ConsentRequests.Revoke request) {
    ConsentService.Revocation revocation = consents.revoke(agency.getName(), consentId, request);
    return ConsentResponse.of(revocation.state(), consents.now(), revocation.endingReferralIds());
  }

  /** The event the consent names as its end ({@code expiryEvent}) happened. */
  @Operation(
      operationId = "recordConsentExpiryEvent",
      summary = "Record that a consent's expiry event happened",
      description = "For a consent that ends on an event (`expiryEvent`); it is expired from then.")
  @MayRefuseWith({Group.CONSENT_EXPIRY_EVENT, Group.PUBLISHES})
  @PostMapping(path = "/{consentId}/expiry-event", consumes = MediaType.APPLICATION_JSON_VALUE)
  ConsentResponse recordExpiryEvent(
      Principal agency,
      @PathVariable String consentId,
      @Valid @RequestBody(required = false) ConsentRequests.RecordExpiryEvent request) {
    ConsentService.Revocation ended =
        consents.recordExpiryEvent(agency.getName(), consentId, request);
    return ConsentResponse.of(ended.state(), consents.now(), ended.endingReferralIds());
  }

  @Operation(operationId = "getConsent", summary = "Read one of the agency's consents")
  @GetMapping("/{consentId}")
  ConsentResponse get(Principal agency, @PathVariable String consentId) {
    return ConsentResponse.of(
        consents.visible(agency.getName(), consentId), consents.now(), List.of());
  }

  @Operation(operationId = "listConsents", summary = "List the agency's consents for a client")
  @GetMapping
  List<ConsentResponse> forClient(Principal agency, @RequestParam @NotBlank String clientId) {
    return consents.forClient(agency.getName(), clientId).stream()
        .map(c -> ConsentResponse.of(c, consents.now(), List.of()))
        .toList();
  }
}
