package org.referralexchange.gateway.referral;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.security.Principal;
import java.time.Instant;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.gateway.problem.MayRefuseWith;
import org.referralexchange.gateway.problem.ProblemCatalog.Group;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Referrals: submitted by the referring agency, readable by it and by the receiving provider. */
@RestController
@Tag(
    name = "Referrals",
    description =
        "Refer a client to a provider under a recorded consent, follow the referral's status, withdraw it.")
// No class-level @Validated: Spring MVC validates constrained parameters itself (raising
// HandlerMethodValidationException) and @Valid bodies in their resolvers; the AOP proxy that
// @Validated adds validated every body a second time.
// JSON in and out, decided by the mapping before the handler runs: any other Content-Type is 415
// and an Accept that excludes JSON is 406, and neither publishes anything.
@RequestMapping(path = "/api/v1/referrals", produces = MediaType.APPLICATION_JSON_VALUE)
class ReferralController {

  private final ReferralService referrals;

  ReferralController(ReferralService referrals) {
    this.referrals = referrals;
  }

  /**
   * Answers 202 only after the broker acknowledged the referral; a retry with the same
   * Idempotency-Key and body answers the same referral id and publishes nothing.
   */
  @Operation(
      operationId = "submitReferral",
      summary = "Submit a referral",
      description =
          "Needs an `Idempotency-Key` (one key, one referral) and the consent it is made under:"
              + " every consent policy must allow it. `202` once the exchange recorded it; a"
              + " retry with the same key and body answers the same referral with"
              + " `Idempotent-Replayed: true`.")
  @MayRefuseWith({Group.REFERRAL_SUBMISSION, Group.DIRECTORY, Group.PUBLISHES})
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ReferralResponse.Accepted> submit(
      Principal agency,
      @RequestHeader("Idempotency-Key") String idempotencyKey,
      @Valid @RequestBody ReferralRequests.Submit request) {
    ReferralService.Submission submission =
        referrals.submit(agency.getName(), idempotencyKey, request);
    String location = "/api/v1/referrals/" + submission.referral().referralId();
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .location(URI.create(location))
        .header("Idempotent-Replayed", Boolean.toString(!submission.created()))
        .body(
            new ReferralResponse.Accepted(
                submission.referral().referralId(),
                submission.referral().status().name(),
                location));
  }

  @Operation(
      operationId = "getReferral",
      summary = "Read a referral and its status timeline",
      description = "For the referring agency and the receiving provider's agency.")
  @GetMapping("/{referralId}")
  ReferralResponse get(Principal agency, @PathVariable String referralId) {
    return ReferralResponse.of(referrals.visible(agency.getName(), referralId), agency.getName());
  }

  @Operation(
      operationId = "listReferrals",
      summary = "List the agency's referrals",
      description = "Sent or received, newest first; filter by status and time.")
  @GetMapping
  ReferralResponse.Page list(
      Principal agency,
      @RequestParam(required = false) ReferralStatus status,
      @RequestParam(required = false) Instant since,
      @RequestParam(defaultValue = "0") @Min(0) int page,
      @RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
    return referrals.list(agency.getName(), status, since, page, size);
  }

  @Operation(
      operationId = "cancelReferral",
      summary = "Withdraw a referral",
      description =
          "By the referring agency, with a reason code. Cancelling again changes nothing.")
  @MayRefuseWith({Group.REFERRAL_CANCELLATION, Group.PUBLISHES})
  @PostMapping(path = "/{referralId}/cancellation", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ReferralResponse> cancel(
      Principal agency,
      @PathVariable String referralId,
      @Valid @RequestBody ReferralRequests.Cancel request) {
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(
            ReferralResponse.of(
                referrals.cancel(agency.getName(), referralId, request), agency.getName()));
  }
}
