package org.referralexchange.gateway.consent;

import java.time.Duration;
import java.time.Instant;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.SignatureMethod;
import org.referralexchange.events.v1.SignerRole;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.http.HttpStatus;

/**
 * What a consent and its revocation must satisfy before they are recorded. Each rule refuses with
 * its own problem type before anything is published. Details name fields, never values.
 */
final class RecordingRules {

  /**
   * How far a signing or revocation time may lie ahead of the gateway's clock: the agency's clock
   * and ours are not in lockstep, and a form signed "just now" must not be refused for a few
   * seconds' drift. Anything further ahead is a date that has not happened yet.
   */
  static final Duration CLOCK_SKEW_TOLERANCE = Duration.ofMinutes(5);

  private RecordingRules() {}

  /** Signed no later than now, in force no earlier than signed, and ending after it starts. */
  static void requireDatesInOrder(
      ConsentRequests.RecordConsent request, Instant expiresAt, Instant now) {
    Instant signedAt = request.signature().signedAt();
    if (signedAt.isAfter(now.plus(CLOCK_SKEW_TOLERANCE))) {
      throw refusal(
          ProblemTypes.CONSENT_SIGNED_IN_FUTURE,
          "Consent signed in the future",
          "Field 'signature.signedAt' is in the future: a consent can be recorded only once it is"
              + " signed.");
    }
    if (request.effectiveFrom() != null && request.effectiveFrom().isBefore(signedAt)) {
      throw refusal(
          ProblemTypes.CONSENT_DATES_OUT_OF_ORDER,
          "Consent dates out of order",
          "Field 'effectiveFrom' is before 'signature.signedAt': a consent cannot take effect"
              + " before the client signed it.");
    }
    Instant start = request.effectiveFrom() == null ? signedAt : request.effectiveFrom();
    if (expiresAt != null && !expiresAt.isAfter(start)) {
      throw refusal(
          ProblemTypes.CONSENT_DATES_OUT_OF_ORDER,
          "Consent dates out of order",
          (request.expiresOn() == null ? "Field 'expiresAt'" : "Field 'expiresOn'")
              + " is not after "
              + (request.effectiveFrom() == null ? "'signature.signedAt'" : "'effectiveFrom'")
              + ": the consent would end before it began.");
    }
  }

  /**
   * 42 CFR 2.31(a)(8) asks for the signature of the patient, written or electronic: a verbal,
   * witnessed consent does not cover Part 2 information. The categories decide, not the {@code
   * part2} flag, so a consent that names substance-use information without the flag is held to the
   * same rule.
   */
  static void requireWrittenSignatureForPart2(ConsentRequests.RecordConsent request) {
    if (part2Data(request) && request.signature().method() == SignatureMethod.VERBAL_WITNESSED) {
      throw refusal(
          ProblemTypes.PART2_VERBAL_CONSENT,
          "Part 2 consent needs a written or electronic signature",
          "Field 'signature.method' is VERBAL_WITNESSED, but the consent covers"
              + " SUBSTANCE_USE_DISORDER (42 CFR Part 2) information, which needs a WRITTEN or"
              + " ELECTRONIC signature.");
    }
  }

  /**
   * 42 CFR 2.31(a)(4): a Part 2 consent names its recipients, or names an intermediary and a class
   * of its participants (which the consent policy limits to treating providers). A class alone
   * would reach any provider of the category, including ones listed after the client signed.
   */
  static void requirePart2RecipientsNamed(ConsentRequests.RecordConsent request) {
    ConsentRequests.Recipients recipients = request.recipients();
    if (part2Data(request)
        && !recipients.serviceCategories().isEmpty()
        && recipients.intermediary() == null) {
      throw refusal(
          ProblemTypes.PART2_RECIPIENTS_NOT_NAMED,
          "Part 2 consent must name its recipients or an intermediary",
          "Field 'recipients.serviceCategories' describes a class of recipients but"
              + " 'recipients.intermediary' is missing: a consent covering SUBSTANCE_USE_DISORDER"
              + " (42 CFR Part 2) information reaches a class only through a named intermediary"
              + " (42 CFR 2.31(a)(4)(ii)). Name the providers, or the intermediary.");
    }
  }

  /**
   * A legal representative states the authority they sign under, and only a representative does:
   * the form is signed by the client or by someone whose authority is on record (HIPAA
   * 164.508(c)(1)(vi), 42 CFR 2.14(b) and 2.15).
   */
  static void requireRepresentativeAuthority(ConsentRequests.RecordConsent request) {
    ConsentRequests.Signature signature = request.signature();
    boolean representative = signature.signerRole() == SignerRole.LEGAL_REPRESENTATIVE;
    if (representative && signature.representativeAuthority() == null) {
      throw refusal(
          ProblemTypes.REPRESENTATIVE_AUTHORITY_REQUIRED,
          "Representative's authority required",
          "Field 'signature.representativeAuthority' is missing: a consent signed by a"
              + " LEGAL_REPRESENTATIVE records the kind of authority and the document giving it.");
    }
    if (!representative && signature.representativeAuthority() != null) {
      throw refusal(
          ProblemTypes.REPRESENTATIVE_AUTHORITY_REQUIRED,
          "Representative's authority without a representative",
          "Field 'signature.representativeAuthority' is given but 'signature.signerRole' is"
              + " CLIENT: say LEGAL_REPRESENTATIVE when a representative signed.");
    }
  }

  /**
   * 42 CFR 2.14: where state law lets a minor consent to substance-use-disorder treatment, the
   * minor alone signs a Part 2 consent, and a parent's signature does not replace theirs; where it
   * does not, a parent or guardian signs. Outside Part 2 a minor's own signature is not taken: a
   * parent or guardian is the minor's personal representative (HIPAA 164.502(g)).
   */
  static void requireMinorRule(
      ConsentRequests.RecordConsent request, MinorConsentProperties.Rule rule) {
    Integer age = request.signature().clientAge();
    if (!rule.isMinor(age)) {
      return;
    }
    boolean part2 = part2Data(request);
    boolean minorAlone = part2 && rule.minorSignsPart2Alone(age);
    SignerRole signer = request.signature().signerRole();
    if (signer == SignerRole.CLIENT && !minorAlone) {
      throw refusal(
          ProblemTypes.MINOR_SIGNATURE_NOT_ALLOWED,
          "A minor's own signature is not accepted here",
          part2
              ? "Field 'signature.signerRole' is CLIENT and 'signature.clientAge' makes the client"
                  + " a minor, whom this agency's state rule does not let sign a 42 CFR Part 2"
                  + " consent alone (42 CFR 2.14(b)): a parent or guardian signs."
              : "Field 'signature.signerRole' is CLIENT and 'signature.clientAge' makes the client"
                  + " a minor: outside 42 CFR Part 2 a parent or guardian signs for a minor.");
    }
    if (signer == SignerRole.LEGAL_REPRESENTATIVE && minorAlone) {
      throw refusal(
          ProblemTypes.MINOR_MUST_SIGN,
          "Only the minor may sign this Part 2 consent",
          "Field 'signature.signerRole' is LEGAL_REPRESENTATIVE, but this agency's state rule"
              + " lets a minor of this age consent to substance-use-disorder treatment, so only"
              + " the minor signs a 42 CFR Part 2 consent (42 CFR 2.14(a)).");
    }
  }

  private static boolean part2Data(ConsentRequests.RecordConsent request) {
    return request.part2()
        || request.informationCategories().contains(InformationCategory.SUBSTANCE_USE_DISORDER);
  }

  /** A revocation happened no later than now and no earlier than the consent was signed. */
  static void requireRevocationInOrder(ConsentDetails consent, Instant revokedAt, Instant now) {
    if (revokedAt.isAfter(now.plus(CLOCK_SKEW_TOLERANCE))) {
      throw refusal(
          ProblemTypes.REVOCATION_IN_FUTURE,
          "Revocation in the future",
          "Field 'revokedAt' is in the future: record a revocation once the client has made it.");
    }
    if (revokedAt.isBefore(consent.getSignature().getSignedAt())) {
      throw refusal(
          ProblemTypes.REVOCATION_BEFORE_SIGNING,
          "Revocation before signing",
          "Field 'revokedAt' is before the consent was signed: a consent cannot be revoked before"
              + " it exists.");
    }
  }

  /**
   * A consent whose expiry event was recorded already ended, and the referrals under it were ended
   * with {@code consent-expired}: a revocation would change nothing but the reason on record, so it
   * is refused (the mirror of an expiry event refused after a revocation).
   */
  static void requireNotEndedByEvent(ConsentState state) {
    if (!state.revoked() && state.expiredAt().isPresent()) {
      throw new GatewayProblem(
          HttpStatus.CONFLICT,
          ProblemTypes.CONSENT_EXPIRED,
          "Consent expired",
          "This consent's expiry event was recorded: it already ended, and no revocation is"
              + " recorded for it.");
    }
  }

  /**
   * The expiry event a consent names can be recorded only for such a consent, once, while it was
   * not revoked, and at a time no later than now and no earlier than the signature.
   */
  static void requireExpiryEventInOrder(ConsentState state, Instant expiredAt, Instant now) {
    ConsentDetails consent = state.consent();
    if (consent.getExpiryEvent() == null || consent.getExpiryEvent().isBlank()) {
      throw refusal(
          ProblemTypes.NO_EXPIRY_EVENT,
          "Consent names no expiry event",
          "This consent ends on a date ('expiresAt'), not on an event: there is no event to"
              + " record.");
    }
    if (state.revoked()) {
      throw new GatewayProblem(
          HttpStatus.CONFLICT,
          ProblemTypes.CONSENT_REVOKED,
          "Consent revoked",
          "This consent was revoked: it already ended, and no expiry event is recorded for it.");
    }
    if (expiredAt.isAfter(now.plus(CLOCK_SKEW_TOLERANCE))) {
      throw refusal(
          ProblemTypes.EXPIRY_EVENT_IN_FUTURE,
          "Expiry event in the future",
          "Field 'expiredAt' is in the future: record the event once it has happened.");
    }
    if (expiredAt.isBefore(consent.getSignature().getSignedAt())) {
      throw refusal(
          ProblemTypes.EXPIRY_EVENT_BEFORE_SIGNING,
          "Expiry event before signing",
          "Field 'expiredAt' is before the consent was signed: a consent cannot end before it"
              + " exists.");
    }
  }

  /**
   * An expiry is given once: as an instant ({@code expiresAt}) or as a date ({@code expiresOn}).
   */
  static void requireOneExpiryDate(ConsentRequests.RecordConsent request) {
    if (request.expiryGivenTwice()) {
      throw new GatewayProblem(
          HttpStatus.BAD_REQUEST,
          ProblemTypes.EXPIRY_GIVEN_TWICE,
          "Expiry given twice",
          "Give 'expiresAt' (an instant) or 'expiresOn' (a date in the agency's time zone), not"
              + " both.");
    }
  }

  private static GatewayProblem refusal(String slug, String title, String detail) {
    return new GatewayProblem(HttpStatus.UNPROCESSABLE_CONTENT, slug, title, detail);
  }
}
