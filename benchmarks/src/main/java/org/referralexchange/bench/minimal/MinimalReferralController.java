package org.referralexchange.bench.minimal;

import jakarta.validation.Valid;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.referralexchange.events.v1.CaseManager;
import org.referralexchange.events.v1.ClientBlock;
import org.referralexchange.events.v1.ConsentReference;
import org.referralexchange.events.v1.EncryptedEnvelope;
import org.referralexchange.events.v1.Need;
import org.referralexchange.events.v1.Priority;
import org.referralexchange.events.v1.ReferralFlags;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.events.v1.Referrer;
import org.referralexchange.events.v1.ServiceTarget;
import org.referralexchange.gateway.referral.ReferralRequests;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/referrals}: the validated request mapped to a {@code ReferralSubmitted} field
 * by field as the gateway maps it, sent with {@code KafkaTemplate.send(...).get()}, answered 202
 * with the referral id after the broker's ack.
 *
 * <p>What the mapping leaves out is the gateway's own work, which the benchmark is there to price:
 * the service name comes from a constant instead of the provider directory, the consent's expiry
 * and return-disclosure flag from no consent at all, the pseudonym is not an HMAC, and the client's
 * identity and the narrative are never put on the topic: each is a placeholder envelope of fixed
 * random bytes, as in {@code SampleEvents}, so nothing the request names goes out in clear.
 */
@RestController
@RequestMapping(path = "/api/v1/referrals", produces = MediaType.APPLICATION_JSON_VALUE)
class MinimalReferralController {

  /** The one service the benchmark refers to, standing in for the directory's lookup. */
  private static final String SERVICE_NAME = "Emergency groceries";

  private static final byte[] IDENTITY_PLACEHOLDER = randomBytes(220);
  private static final byte[] NARRATIVE_PLACEHOLDER = randomBytes(100);

  private final KafkaTemplate<String, ReferralSubmitted> template;
  private final MinimalProperties properties;

  MinimalReferralController(
      KafkaTemplate<String, ReferralSubmitted> template, MinimalProperties properties) {
    this.template = template;
    this.properties = properties;
  }

  /** What the gateway answers, less the status it reads back from its view. */
  record Accepted(String referralId, String status, String location) {}

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Accepted> submit(
      Principal agency,
      @RequestHeader("Idempotency-Key") String idempotencyKey,
      @Valid @RequestBody ReferralRequests.Submit request)
      throws InterruptedException, ExecutionException, TimeoutException {
    // The gateway's referral id, so that records spread over partitions as the gateway's do.
    String referralId =
        "ref-"
            + UUID.nameUUIDFromBytes(
                (agency.getName() + "\u0000" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
    template
        .send(properties.topic(), referralId, event(agency.getName(), referralId, request))
        .get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
    String location = "/api/v1/referrals/" + referralId;
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .location(URI.create(location))
        .body(new Accepted(referralId, "SUBMITTED", location));
  }

  private static ReferralSubmitted event(
      String agencyId, String referralId, ReferralRequests.Submit request) {
    ReferralRequests.CaseManager caseManager = request.caseManager();
    ReferralRequests.ConsentUse consent = request.consent();
    return ReferralSubmitted.newBuilder()
        .setEventId(
            UUID.nameUUIDFromBytes(
                ("submitted\u0000" + referralId).getBytes(StandardCharsets.UTF_8)))
        .setOccurredAt(Instant.now())
        .setReferralId(referralId)
        .setReferrer(
            Referrer.newBuilder()
                .setAgencyId(agencyId)
                .setAgencyName(agencyId)
                .setCaseManager(
                    CaseManager.newBuilder()
                        .setId(caseManager.id())
                        .setName(caseManager.name())
                        .setEmail(caseManager.email())
                        .setMobile(caseManager.mobile())
                        .setPreferredChannels(caseManager.preferredChannels())
                        .setTimeZone(caseManager.timeZone())
                        .build())
                .build())
        .setTarget(
            ServiceTarget.newBuilder()
                .setProviderId(request.target().providerId())
                .setServiceId(request.target().serviceId())
                .setServiceName(SERVICE_NAME)
                .build())
        .setNeeds(
            (request.needs() == null ? List.<ReferralRequests.NeedCode>of() : request.needs())
                .stream()
                    .map(
                        n ->
                            Need.newBuilder()
                                .setSystem(n.system())
                                .setCode(n.code())
                                .setDisplay(n.display())
                                .build())
                    .toList())
        .setPriority(request.priority() == null ? Priority.ROUTINE : request.priority())
        .setRespondBy(request.respondBy())
        .setConsent(
            ConsentReference.newBuilder()
                .setConsentId(consent.consentId())
                .setInformationCategories(consent.informationCategories())
                .setPurpose(consent.purpose())
                .setNarrativeCategories(consent.narrativeCategories())
                .setReturnDisclosureAllowed(false)
                .build())
        .setClient(
            ClientBlock.newBuilder()
                .setClientPseudonym(
                    "cl-" + Integer.toHexString(request.client().clientId().hashCode()))
                .setIdentity(
                    placeholder(
                        IDENTITY_PLACEHOLDER, "org.referralexchange.events.v1.ClientIdentity"))
                .build())
        .setFlags(
            ReferralFlags.newBuilder()
                .setContactingSubjectProhibited(request.contactingSubjectProhibited())
                .build())
        .setNarrative(
            request.narrative() == null
                ? null
                : placeholder(
                    NARRATIVE_PLACEHOLDER, "org.referralexchange.events.v1.ReferralNarrative"))
        .build();
  }

  /** A buffer of its own per record over the shared bytes, which nothing writes. */
  private static EncryptedEnvelope placeholder(byte[] ciphertext, String payloadSchema) {
    return EncryptedEnvelope.newBuilder()
        .setKeyId("minimal-placeholder")
        .setAlgorithm("none/benchmark-placeholder")
        .setPayloadSchema(payloadSchema)
        .setCiphertext(ByteBuffer.wrap(ciphertext))
        .build();
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new java.util.Random(size).nextBytes(bytes);
    return bytes;
  }
}
