package org.referralexchange.gateway.referral;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.referralexchange.envelope.EnvelopeCipher;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Address;
import org.referralexchange.events.v1.CaseManager;
import org.referralexchange.events.v1.ClientBlock;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.ConsentReference;
import org.referralexchange.events.v1.Identifier;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.ListedService;
import org.referralexchange.events.v1.Need;
import org.referralexchange.events.v1.Priority;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.ReferralFlags;
import org.referralexchange.events.v1.ReferralNarrative;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralStatusChanged;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.events.v1.Referrer;
import org.referralexchange.events.v1.ServiceTarget;
import org.referralexchange.gateway.config.GatewayProperties;
import org.referralexchange.gateway.consent.ConsentState;
import org.referralexchange.gateway.consent.ConsentView;
import org.referralexchange.gateway.directory.Providers;
import org.referralexchange.gateway.privacy.Hmac;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.referralexchange.policy.ConsentCheck;
import org.referralexchange.policy.ContentPolicy;
import org.referralexchange.policy.PolicyDecision;
import org.referralexchange.policy.ReferralLifecycle;
import org.referralexchange.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * Submits, shows and cancels referrals. A submission is checked (provider, service, every consent
 * policy), encrypted, published, and acknowledged by the broker before it is answered; a refused
 * one publishes nothing. One Idempotency-Key makes one referral, however often it is sent.
 */
@Service
class ReferralService {

  private static final Logger log = LoggerFactory.getLogger(ReferralService.class);

  private final ReferralView referrals;
  private final ConsentView consents;
  private final EventPublisher publisher;
  private final EnvelopeCipher cipher;
  private final GatewayProperties properties;
  private final Providers directory;
  private final Hmac hmac;
  private final JsonMapper json;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Map<String, String> inFlight = new ConcurrentHashMap<>();
  private final Map<Priority, io.micrometer.core.instrument.Counter> submittedCounters =
      new ConcurrentHashMap<>();

  ReferralService(
      ReferralView referrals,
      ConsentView consents,
      EventPublisher publisher,
      EnvelopeCipher cipher,
      GatewayProperties properties,
      Providers directory,
      Hmac hmac,
      JsonMapper json,
      Clock clock,
      MeterRegistry meters) {
    this.referrals = referrals;
    this.consents = consents;
    this.publisher = publisher;
    this.cipher = cipher;
    this.properties = properties;
    this.directory = directory;
    this.hmac = hmac;
    this.json = json;
    this.clock = clock;
    this.meters = meters;
  }

  /** The outcome of a submission: the referral, and whether this call created it. */
  record Submission(ReferralRecord referral, boolean created) {}

  Submission submit(String agencyId, String idempotencyKey, ReferralRequests.Submit request) {
    if (idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
      throw new GatewayProblem(
          HttpStatus.BAD_REQUEST,
          ProblemTypes.IDEMPOTENCY_KEY_MISSING,
          "Missing header",
          "Header 'Idempotency-Key' must be 1 to 255 characters.");
    }
    String referralId =
        "ref-"
            + UUID.nameUUIDFromBytes(
                (agencyId + "\u0000" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
    String fingerprint = hmac.fingerprint(agencyId, json.writeValueAsBytes(request));
    MDC.put("referralId", referralId);
    try {
      Optional<ReferralRecord> existing = referrals.get(referralId);
      if (existing.isPresent()) {
        return new Submission(sameRequestOrRefuse(existing.get(), fingerprint), false);
      }
      if (inFlight.putIfAbsent(referralId, fingerprint) != null) {
        throw new GatewayProblem(
            HttpStatus.CONFLICT,
            ProblemTypes.IDEMPOTENCY_KEY_REUSED,
            "Request in progress",
            "A request with this Idempotency-Key is still being processed; retry shortly.");
      }
      try {
        // Read again under the claim. A request that read the view before another with this key
        // was applied, and claims only after that one released, would otherwise publish a second
        // record. The claim is released only after publish() applied the record to this view (on
        // the broker's ack, before returning), so whoever claims next sees it here: one record
        // per (agency, key) from this instance.
        Optional<ReferralRecord> applied = referrals.get(referralId);
        if (applied.isPresent()) {
          return new Submission(sameRequestOrRefuse(applied.get(), fingerprint), false);
        }
        ReferralSubmitted event = build(agencyId, referralId, fingerprint, request);
        publisher.publish(Topics.REFERRAL_SUBMITTED, referralId, event);
        submittedCounters
            .computeIfAbsent(
                event.getPriority(),
                p -> meters.counter("gateway.referrals.submitted", "priority", p.name()))
            .increment();
        log.info("Referral accepted for provider {}", event.getTarget().getProviderId());
        return new Submission(referrals.get(referralId).orElseThrow(), true);
      } finally {
        inFlight.remove(referralId);
      }
    } finally {
      MDC.remove("referralId");
    }
  }

  private static ReferralRecord sameRequestOrRefuse(ReferralRecord existing, String fingerprint) {
    if (fingerprint.equals(existing.requestFingerprint())) {
      return existing;
    }
    throw new GatewayProblem(
        HttpStatus.UNPROCESSABLE_CONTENT,
        ProblemTypes.IDEMPOTENCY_KEY_REUSED,
        "Idempotency-Key reused",
        "This Idempotency-Key was already used for a different request.");
  }

  private ReferralSubmitted build(
      String agencyId, String referralId, String fingerprint, ReferralRequests.Submit request) {
    ProviderListed provider = ServedProviders.require(directory, request.target());
    ListedService service =
        ProviderDirectoryView.service(provider, request.target().serviceId()).orElseThrow();
    Instant now = clock.instant();
    // Left empty unless the agency names one: the provider's own response window then decides,
    // counted in its business hours by the adapter, which knows them. A window stamped here
    // would override every provider's (the run command's 2-minute demo window never applied).
    Instant respondBy = request.respondBy();
    if (respondBy != null && !respondBy.isAfter(now)) {
      throw new GatewayProblem(
          HttpStatus.BAD_REQUEST,
          ProblemTypes.VALIDATION,
          "Invalid request",
          "respondBy must be in the future.",
          Map.of(
              "errors", List.of(Map.of("field", "respondBy", "message", "must be in the future"))),
          Optional.empty());
    }
    String pseudonym = hmac.clientPseudonym(agencyId, request.client().clientId());
    Optional<ConsentState> consent = consents.get(request.consent().consentId());
    PolicyDecision decision =
        org.referralexchange.policy.ConsentPolicy.evaluateAll(
            new ConsentCheck(
                consent.map(ConsentState::effective),
                consent.map(ConsentState::revoked).orElse(false),
                now,
                agencyId,
                pseudonym,
                provider.getProviderId(),
                java.util.Set.copyOf(provider.getServiceCategories()),
                EnumSet.copyOf(request.consent().informationCategories()),
                request.consent().purpose(),
                provider.getTreatingProvider()));
    if (decision instanceof PolicyDecision.Rejected refused) {
      meters.counter("gateway.consent.refusals", "policy", refused.policy()).increment();
      log.info("Referral refused by consent policy {}", refused.policy());
      throw new GatewayProblem(
          HttpStatus.UNPROCESSABLE_CONTENT,
          refused.policy(),
          "Consent does not allow this referral",
          refused.reason(),
          Map.of("policy", refused.policy()),
          Optional.empty());
    }
    ConsentState covering = consent.orElseThrow();
    refuseUncoveredFields(request, covering);
    return ReferralSubmitted.newBuilder()
        .setEventId(
            UUID.nameUUIDFromBytes(
                ("submitted\u0000" + referralId).getBytes(StandardCharsets.UTF_8)))
        .setOccurredAt(now)
        .setReferralId(referralId)
        .setReferrer(
            Referrer.newBuilder()
                .setAgencyId(agencyId)
                .setAgencyName(
                    properties
                        .agency(agencyId)
                        .map(GatewayProperties.Agency::name)
                        .orElse(agencyId))
                .setCaseManager(
                    CaseManager.newBuilder()
                        .setId(request.caseManager().id())
                        .setName(request.caseManager().name())
                        .setEmail(request.caseManager().email())
                        .setMobile(request.caseManager().mobile())
                        .setPreferredChannels(request.caseManager().preferredChannels())
                        .setTimeZone(request.caseManager().timeZone())
                        .build())
                .build())
        .setTarget(
            ServiceTarget.newBuilder()
                .setProviderId(provider.getProviderId())
                .setServiceId(service.getId())
                .setServiceName(service.getName())
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
        .setRespondBy(respondBy)
        .setConsent(
            ConsentReference.newBuilder()
                .setConsentId(covering.consent().getConsentId())
                .setInformationCategories(request.consent().informationCategories())
                .setPurpose(request.consent().purpose())
                .setExpiresAt(covering.consent().getExpiresAt())
                .setNarrativeCategories(request.consent().narrativeCategories())
                .setReturnDisclosureAllowed(covering.consent().getReturnDisclosureAllowed())
                .build())
        .setClient(
            ClientBlock.newBuilder()
                .setClientPseudonym(pseudonym)
                .setIdentity(cipher.seal(identity(request.client()), referralId))
                .build())
        .setFlags(
            ReferralFlags.newBuilder()
                .setContactingSubjectProhibited(request.contactingSubjectProhibited())
                .build())
        .setNarrative(
            !ReferralContent.present(request.narrative())
                ? null
                : cipher.seal(narrative(request.narrative()), referralId))
        .setRequestFingerprint(fingerprint)
        .build();
  }

  /**
   * Refuses a referral that carries a field its consent does not cover, or that its own declared
   * categories do not (those are within the consent, COVERS_CATEGORIES saw to it): the content
   * policy. The problem names the fields, never their values.
   */
  private void refuseUncoveredFields(ReferralRequests.Submit request, ConsentState consent) {
    EnumSet<InformationCategory> covered =
        EnumSet.copyOf(request.consent().informationCategories());
    covered.retainAll(consent.consent().getInformationCategories());
    List<String> uncovered =
        ContentPolicy.uncovered(
            ReferralContent.carried(request),
            covered,
            Optional.ofNullable(request.consent().narrativeCategories()));
    if (uncovered.isEmpty()) {
      return;
    }
    meters.counter("gateway.consent.refusals", "policy", ContentPolicy.NAME).increment();
    log.info("Referral refused by content policy: fields {}", uncovered);
    throw new GatewayProblem(
        HttpStatus.UNPROCESSABLE_CONTENT,
        ProblemTypes.CONSENT_DOES_NOT_COVER_FIELDS,
        "Consent does not cover this content",
        "The referral carries fields that its consent, or the information categories it declares,"
            + " do not cover: "
            + uncovered
            + ". Leave them out, or declare (and have consent for) their categories. A narrative"
            + " needs consent.narrativeCategories, each declared and covered; undeclared, it may"
            + " hold any of "
            + ContentPolicy.UNDECLARED_NARRATIVE.stream().map(Enum::name).sorted().toList()
            + ".",
        Map.of("policy", ContentPolicy.NAME, "fields", uncovered),
        Optional.empty());
  }

  /** The client's identity as sealed: the fields the request carries, names empty when absent. */
  private static ClientIdentity identity(ReferralRequests.Client client) {
    ReferralRequests.Address address =
        ReferralContent.present(client.address()) ? client.address() : null;
    return ClientIdentity.newBuilder()
        // Left strings in the schema (identities sealed earlier must still open): empty = absent.
        .setGivenName(ReferralContent.present(client.givenName()) ? client.givenName() : "")
        .setFamilyName(ReferralContent.present(client.familyName()) ? client.familyName() : "")
        .setBirthDate(client.birthDate())
        .setPhone(ReferralContent.present(client.phone()) ? client.phone() : null)
        .setEmail(ReferralContent.present(client.email()) ? client.email() : null)
        .setAddress(
            address == null
                ? null
                : Address.newBuilder()
                    .setLines(address.lines() == null ? List.of() : address.lines())
                    .setCity(address.city())
                    .setState(address.state())
                    .setPostalCode(address.postalCode())
                    .setCountry(address.country())
                    .build())
        .setIdentifiers(
            client.identifiers() == null
                ? List.of()
                : client.identifiers().stream()
                    .map(
                        i ->
                            Identifier.newBuilder()
                                .setSystem(i.system())
                                .setValue(i.value())
                                .build())
                    .toList())
        .setPreferredLanguage(
            ReferralContent.present(client.preferredLanguage()) ? client.preferredLanguage() : null)
        .build();
  }

  private static ReferralNarrative narrative(ReferralRequests.Narrative narrative) {
    return ReferralNarrative.newBuilder()
        .setNeedsDescription(narrative.needsDescription())
        .setGoals(narrative.goals() == null ? List.of() : narrative.goals())
        .setNotes(narrative.notes())
        .build();
  }

  /** A referral the agency sent or, as the provider's agency, received; otherwise not found. */
  ReferralRecord visible(String agencyId, String referralId) {
    return referrals
        .get(referralId)
        .filter(r -> mayRead(agencyId, r))
        .orElseThrow(() -> GatewayProblem.notFound("referral", referralId));
  }

  ReferralResponse.Page list(
      String agencyId, ReferralStatus status, Instant since, int page, int size) {
    List<ReferralRecord> all =
        referrals.find(
            r ->
                mayRead(agencyId, r)
                    // The status the agency is shown: a withheld answer matches no status.
                    && (status == null
                        || ReferralResponse.of(r, agencyId).status().equals(status.name()))
                    && ReferralView.since(r, since));
    int from = Math.min(page * size, all.size());
    int to = Math.min(from + size, all.size());
    return new ReferralResponse.Page(
        all.subList(from, to).stream().map(r -> ReferralResponse.of(r, agencyId)).toList(),
        page,
        size,
        all.size());
  }

  /** The referring agency withdraws its referral; cancelling again changes nothing. */
  ReferralRecord cancel(String agencyId, String referralId, ReferralRequests.Cancel request) {
    ReferralRecord referral = visible(agencyId, referralId);
    if (!referral.referringAgencyId().equals(agencyId)) {
      throw new GatewayProblem(
          HttpStatus.FORBIDDEN,
          ProblemTypes.FORBIDDEN,
          "Forbidden",
          "Only the referring agency may cancel here; providers answer through their adapter.");
    }
    Reason reason =
        Reason.newBuilder().setCode(request.reasonCode()).setText(request.reasonText()).build();
    return changeStatus(
            referral,
            ReferralStatus.CANCELLED,
            ActorRole.REQUESTER,
            agencyId,
            reason,
            UUID.randomUUID())
        .orElse(referral);
  }

  /**
   * Publishes a lifecycle change if the lifecycle allows it; empty when it is a duplicate.
   *
   * @throws GatewayProblem 409 when the lifecycle refuses it
   */
  private Optional<ReferralRecord> changeStatus(
      ReferralRecord referral,
      ReferralStatus next,
      ActorRole role,
      String organizationId,
      Reason reason,
      UUID eventId) {
    ReferralLifecycle.Change change =
        new ReferralLifecycle.Change(Optional.of(referral.status()), next, role, reason != null);
    if (ReferralLifecycle.isDuplicate(change)) {
      return Optional.empty();
    }
    PolicyDecision decision = ReferralLifecycle.check(change);
    if (decision instanceof PolicyDecision.Rejected refused) {
      throw new GatewayProblem(
          HttpStatus.CONFLICT,
          ProblemTypes.TRANSITION_REFUSED,
          "Status change refused",
          refused.reason(),
          Map.of("policy", refused.policy(), "currentStatus", referral.status().name()),
          Optional.empty());
    }
    ReferralStatusChanged event =
        ReferralStatusChanged.newBuilder()
            .setEventId(eventId)
            .setOccurredAt(clock.instant())
            .setReferralId(referral.referralId())
            .setProviderId(referral.providerId())
            .setStatus(next)
            .setReason(reason)
            .setActor(Actor.newBuilder().setRole(role).setOrganizationId(organizationId).build())
            .build();
    publisher.publish(Topics.REFERRAL_STATUS_CHANGED, referral.referralId(), event);
    return referrals.get(referral.referralId());
  }

  private boolean mayRead(String agencyId, ReferralRecord referral) {
    return referral.referringAgencyId().equals(agencyId)
        || properties
            .agency(agencyId)
            .filter(a -> a.providerIds().contains(referral.providerId()))
            .isPresent();
  }
}
