package org.referralexchange.gateway.consent;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.referralexchange.events.v1.Actor;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentExpired;
import org.referralexchange.events.v1.ConsentIntermediary;
import org.referralexchange.events.v1.ConsentRecipients;
import org.referralexchange.events.v1.ConsentRecorded;
import org.referralexchange.events.v1.ConsentRevoked;
import org.referralexchange.events.v1.ConsentSignature;
import org.referralexchange.events.v1.Reason;
import org.referralexchange.events.v1.RepresentativeAuthority;
import org.referralexchange.gateway.config.GatewayProperties;
import org.referralexchange.gateway.directory.Providers;
import org.referralexchange.gateway.privacy.Hmac;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.referralexchange.kafka.EventPublisher;
import org.referralexchange.schemas.Topics;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/** Records and revokes consents; an agency sees only the consents it recorded. */
@Service
public class ConsentService {

  private final ConsentView view;
  private final EventPublisher publisher;
  private final OpenReferrals openReferrals;
  private final Providers directory;
  private final GatewayProperties properties;
  private final AfterConsentEnded afterEnded;
  private final Hmac hmac;
  private final MinorConsentProperties minorConsent;
  private final Clock clock;

  ConsentService(
      ConsentView view,
      EventPublisher publisher,
      OpenReferrals openReferrals,
      Providers directory,
      GatewayProperties properties,
      AfterConsentEnded afterEnded,
      Hmac hmac,
      MinorConsentProperties minorConsent,
      Clock clock) {
    this.view = view;
    this.publisher = publisher;
    this.openReferrals = openReferrals;
    this.directory = directory;
    this.properties = properties;
    this.afterEnded = afterEnded;
    this.hmac = hmac;
    this.minorConsent = minorConsent;
    this.clock = clock;
  }

  ConsentState record(String agencyId, ConsentRequests.RecordConsent request) {
    for (String providerId : request.recipients().providerIds()) {
      // Known = listed in the directory, served now or not: a consent may outlive an outage.
      if (directory.find(providerId).isEmpty()) {
        throw new GatewayProblem(
            HttpStatus.UNPROCESSABLE_CONTENT,
            ProblemTypes.UNKNOWN_PROVIDER,
            "Unknown provider",
            "No provider '" + providerId + "' is known to the exchange.");
      }
    }
    Instant now = clock.instant();
    RecordingRules.requireWrittenSignatureForPart2(request);
    RecordingRules.requirePart2RecipientsNamed(request);
    RecordingRules.requireRepresentativeAuthority(request);
    MinorConsentProperties.Rule minorRule = minorConsent.forAgency(agencyId);
    RecordingRules.requireMinorRule(request, minorRule);
    RecordingRules.requireOneExpiryDate(request);
    Instant expiresAt =
        request.expiryIn(
            properties
                .agency(agencyId)
                .map(GatewayProperties.Agency::timeZone)
                .orElse(ZoneOffset.UTC));
    RecordingRules.requireDatesInOrder(request, expiresAt, now);
    refuseIfAlreadyExpired(expiresAt, now);
    String consentId = "cns-" + UUID.randomUUID();
    ConsentDetails consent =
        ConsentDetails.newBuilder()
            .setConsentId(consentId)
            .setClientPseudonym(hmac.clientPseudonym(agencyId, request.clientId()))
            .setDisclosingAgencyId(agencyId)
            .setRecipients(
                ConsentRecipients.newBuilder()
                    .setProviderIds(request.recipients().providerIds())
                    .setServiceCategories(request.recipients().serviceCategories())
                    .setIntermediary(intermediary(request.recipients().intermediary()))
                    .build())
            .setInformationCategories(request.informationCategories())
            .setPart2(request.part2())
            .setPurpose(request.purpose())
            .setEffectiveFrom(
                request.effectiveFrom() == null
                    ? request.signature().signedAt()
                    : request.effectiveFrom())
            .setExpiresAt(expiresAt)
            .setExpiryEvent(request.expiryEvent())
            .setSignature(
                ConsentSignature.newBuilder()
                    .setMethod(request.signature().method())
                    .setSignedAt(request.signature().signedAt())
                    .setSignerRole(request.signature().signerRole())
                    .setRepresentativeAuthority(
                        authority(request.signature().representativeAuthority()))
                    .setClientMinor(minorRule.isMinor(request.signature().clientAge()))
                    .setClientAgeAtSigning(request.signature().clientAge())
                    .build())
            .setRevocationRightAcknowledged(request.revocationRightAcknowledged())
            .setServicesConditionedOnSigning(request.servicesConditionedOnSigning())
            .setRedisclosureNoticeAcknowledged(request.redisclosureNoticeAcknowledged())
            .setSourceReference(request.sourceReference())
            .setReturnDisclosureAllowed(request.returnDisclosure())
            .build();
    ConsentRecorded event =
        ConsentRecorded.newBuilder()
            .setEventId(UUID.randomUUID())
            .setOccurredAt(now)
            .setConsent(consent)
            .setRecordedBy(actor(agencyId))
            .build();
    publisher.publish(Topics.CONSENT_EVENTS, consentId, event);
    return view.get(consentId).orElseThrow();
  }

  /**
   * A consent that has expired when it is recorded could never cover a referral; recording it would
   * only publish a dead consent. Expired means the same as for the {@code consent-expired} policy:
   * at or after {@code expiresAt}.
   */
  private static void refuseIfAlreadyExpired(Instant expiresAt, Instant now) {
    if (expiresAt != null && !now.isBefore(expiresAt)) {
      throw new GatewayProblem(
          HttpStatus.UNPROCESSABLE_CONTENT,
          ProblemTypes.CONSENT_ALREADY_EXPIRED,
          "Consent already expired",
          "The consent's expiry ('expiresAt' or 'expiresOn') is not in the future: this consent"
              + " has already expired.");
    }
  }

  /**
   * Revokes the consent: publishes {@code ConsentRevoked}, once. The agency adapter, reading it
   * from the log, cancels every open referral the consent covered and has the providers withdraw
   * them; the answer names those referrals. Revoking again publishes nothing.
   */
  Revocation revoke(String agencyId, String consentId, ConsentRequests.Revoke request) {
    ConsentState state = visible(agencyId, consentId);
    Instant now = clock.instant();
    Instant revokedAt = request == null || request.revokedAt() == null ? now : request.revokedAt();
    // Checked on a repeat too: a bad date gets its answer whether or not one was recorded before.
    RecordingRules.requireRevocationInOrder(state.consent(), revokedAt, now);
    if (!state.revoked()) {
      Reason reason =
          request == null || request.reasonCode() == null
              ? null
              : Reason.newBuilder()
                  .setCode(request.reasonCode())
                  .setText(request.reasonText())
                  .build();
      ConsentRevoked event =
          ConsentRevoked.newBuilder()
              .setEventId(UUID.randomUUID())
              .setOccurredAt(now)
              .setConsent(state.consent())
              .setRevokedAt(revokedAt)
              .setRevokedBy(actor(agencyId))
              .setReason(reason)
              .build();
      publisher.publish(Topics.CONSENT_EVENTS, consentId, event);
      afterEnded.published(event);
    }
    return new Revocation(view.get(consentId).orElseThrow(), openReferrals.under(consentId));
  }

  /**
   * Records that the event the consent names as its end happened: publishes {@code ConsentExpired},
   * once; from then the consent is EXPIRED, and the agency adapter ends the open referrals it
   * covered (reason {@code consent-expired}). Recording it again publishes nothing.
   */
  Revocation recordExpiryEvent(
      String agencyId, String consentId, ConsentRequests.RecordExpiryEvent request) {
    ConsentState state = visible(agencyId, consentId);
    Instant now = clock.instant();
    Instant expiredAt = request == null || request.expiredAt() == null ? now : request.expiredAt();
    RecordingRules.requireExpiryEventInOrder(state, expiredAt, now);
    if (state.expiredAt().isEmpty()) {
      ConsentExpired event =
          ConsentExpired.newBuilder()
              .setEventId(UUID.randomUUID())
              .setOccurredAt(now)
              .setConsent(state.consent())
              .setExpiredAt(expiredAt)
              .setRecordedBy(actor(agencyId))
              .build();
      publisher.publish(Topics.CONSENT_EVENTS, consentId, event);
      afterEnded.published(event);
    }
    return new Revocation(view.get(consentId).orElseThrow(), openReferrals.under(consentId));
  }

  /** A consent the agency recorded; any other is "not found", whether it exists or not. */
  ConsentState visible(String agencyId, String consentId) {
    return view.get(consentId)
        .filter(c -> c.consent().getDisclosingAgencyId().equals(agencyId))
        .orElseThrow(() -> GatewayProblem.notFound("consent", consentId));
  }

  List<ConsentState> forClient(String agencyId, String clientId) {
    return view.forClient(agencyId, hmac.clientPseudonym(agencyId, clientId));
  }

  Optional<ConsentState> find(String consentId) {
    return view.get(consentId);
  }

  Instant now() {
    return clock.instant();
  }

  private static ConsentIntermediary intermediary(ConsentRequests.Intermediary intermediary) {
    return intermediary == null
        ? null
        : ConsentIntermediary.newBuilder()
            .setId(intermediary.id())
            .setName(intermediary.name())
            .build();
  }

  private static RepresentativeAuthority authority(
      ConsentRequests.RepresentativeAuthority authority) {
    return authority == null
        ? null
        : RepresentativeAuthority.newBuilder()
            .setKind(authority.kind())
            .setDocumentReference(authority.documentReference())
            .build();
  }

  private static Actor actor(String agencyId) {
    return Actor.newBuilder().setRole(ActorRole.REQUESTER).setOrganizationId(agencyId).build();
  }

  /**
   * A consent that ended (revoked, or its expiry event recorded) and the referrals still open under
   * it, which the agency adapter now ends.
   */
  record Revocation(ConsentState state, List<String> endingReferralIds) {}
}
