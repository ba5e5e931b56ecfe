package org.referralexchange.gateway.referral;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.envelope.EnvelopeCipher;
import org.referralexchange.envelope.EnvelopeException;
import org.referralexchange.events.v1.ClientIdentity;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.Priority;
import org.referralexchange.events.v1.ReferralNarrative;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.events.v1.ReferralSubmitted;
import org.referralexchange.gateway.consent.ConsentView;
import org.referralexchange.gateway.privacy.Hmac;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The case manager's pages' way into referrals. Every read and every action goes through the same
 * {@link ReferralService} methods as the API, so the pages apply the same checks (who may read, who
 * may cancel, the lifecycle, consent and content policies, idempotency) and publish the same
 * events. What the API never shows, the client's data as submitted, is opened here only for the
 * referring agency and only while the consent is active.
 */
@Component
public class ReferralPages {

  private static final Logger log = LoggerFactory.getLogger(ReferralPages.class);

  /**
   * The statuses (as the referring agency is shown them) after which a referral may be sent to
   * another provider: declined, or ended without an answer. A withheld Part 2 answer ({@code
   * ANSWERED}) is not among them, so the offer itself reveals nothing.
   */
  public static final Set<String> SEND_AGAIN_AFTER = Set.of("REJECTED", "FAILED");

  /** The list page shows at most this many referrals (newest first, overdue ones before). */
  private static final int LIST_LIMIT = 500;

  private final ReferralService service;
  private final SubmittedReferrals submitted;
  private final ConsentView consents;
  private final EnvelopeCipher cipher;
  private final Hmac hmac;
  private final Validator validator;
  private final Clock clock;

  ReferralPages(
      ReferralService service,
      SubmittedReferrals submitted,
      ConsentView consents,
      EnvelopeCipher cipher,
      Hmac hmac,
      Validator validator,
      Clock clock) {
    this.service = service;
    this.submitted = submitted;
    this.consents = consents;
    this.cipher = cipher;
    this.hmac = hmac;
    this.validator = validator;
    this.clock = clock;
  }

  /**
   * What the referring agency sent, as it may read it now.
   *
   * @param clientDataShown false when the consent is revoked or expired: then identity, needs and
   *     narrative are all null
   */
  public record Sent(
      String serviceName,
      String priority,
      String caseManagerId,
      String caseManagerName,
      List<String> informationCategories,
      boolean clientDataShown,
      String consentStatus,
      List<String> needs,
      ClientIdentity identity,
      ReferralNarrative narrative) {}

  /** A referral sent again: its id, and whether this call made it (false: a replay). */
  public record Resent(String referralId, boolean created) {}

  /**
   * The referral as this agency may see it.
   *
   * @throws GatewayProblem 404 when it does not exist or the agency may not read it (one answer)
   */
  public ReferralResponse show(String agencyId, String referralId) {
    return ReferralResponse.of(service.visible(agencyId, referralId), agencyId);
  }

  /** The agency's referrals (sent or received), newest first; {@code status} as it is shown. */
  public List<ReferralResponse> list(String agencyId, ReferralStatus status) {
    return service.list(agencyId, status, null, 0, LIST_LIMIT).items();
  }

  /** Cancels through the API's path: same validation, same lifecycle check, same event. */
  public ReferralResponse cancel(
      String agencyId, String referralId, String reasonCode, String reasonText) {
    ReferralRequests.Cancel request =
        new ReferralRequests.Cancel(reasonCode, blankToNull(reasonText));
    validate(request);
    return ReferralResponse.of(service.cancel(agencyId, referralId, request), agencyId);
  }

  /** What was sent; empty for a provider's agency, which reads its copy in its own system. */
  public Optional<Sent> sent(String agencyId, String referralId) {
    ReferralRecord referral = service.visible(agencyId, referralId);
    if (!referral.referringAgencyId().equals(agencyId)) {
      return Optional.empty();
    }
    return submitted.get(referralId).map(event -> sent(event, referralId));
  }

  private Sent sent(ReferralSubmitted event, String referralId) {
    String consentStatus =
        consents
            .get(event.getConsent().getConsentId())
            .map(c -> c.statusAt(clock.instant()))
            .orElse("UNKNOWN");
    boolean shown = "ACTIVE".equals(consentStatus);
    ClientIdentity identity = null;
    ReferralNarrative narrative = null;
    if (shown) {
      try {
        identity = cipher.open(event.getClient().getIdentity(), ClientIdentity.class, referralId);
        narrative =
            event.getNarrative() == null
                ? null
                : cipher.open(event.getNarrative(), ReferralNarrative.class, referralId);
      } catch (EnvelopeException e) {
        // A key this instance does not hold (rotated out): show the page without client data.
        log.warn("Client data of the referral could not be opened: {}", e.getClass().getName());
        shown = false;
        identity = null;
        narrative = null;
      }
    }
    return new Sent(
        event.getTarget().getServiceName(),
        event.getPriority().name(),
        event.getReferrer().getCaseManager().getId(),
        event.getReferrer().getCaseManager().getName(),
        event.getConsent().getInformationCategories().stream().map(Enum::name).toList(),
        shown,
        consentStatus,
        shown
            ? event.getNeeds().stream()
                .map(n -> n.getDisplay() != null ? n.getDisplay() : n.getCode())
                .toList()
            : List.of(),
        identity,
        narrative);
  }

  /**
   * Sends a declined (or unanswered) referral to another provider: a new referral with the same
   * client data, needs, narrative, consent use and case manager, submitted through {@link
   * ReferralService#submit}, so every consent and content policy is checked again for the new
   * provider and one {@code idempotencyKey} makes one referral.
   *
   * @param clientId the agency's own client id: the exchange keeps only its pseudonym, so the case
   *     manager gives it again, and it must be this referral's client
   */
  public Resent sendAgain(
      String agencyId,
      String referralId,
      String idempotencyKey,
      String clientId,
      String providerId,
      String serviceId,
      Priority priority) {
    ReferralRecord referral = service.visible(agencyId, referralId);
    if (!referral.referringAgencyId().equals(agencyId)) {
      throw new GatewayProblem(
          HttpStatus.FORBIDDEN,
          ProblemTypes.FORBIDDEN,
          "Forbidden",
          "Only the referring agency may send a referral again.");
    }
    if (!SEND_AGAIN_AFTER.contains(ReferralResponse.of(referral, agencyId).status())) {
      throw new GatewayProblem(
          HttpStatus.CONFLICT,
          ProblemTypes.TRANSITION_REFUSED,
          "Not declined",
          "A referral is sent again only after the provider declined it or it ended unanswered.");
    }
    if (referral.providerId().equals(providerId)) {
      throw invalid("providerId", "choose another provider than the one that declined");
    }
    if (clientId == null
        || clientId.isBlank()
        || clientId.length() > 128
        || !submitted
            .get(referralId)
            .map(e -> e.getClient().getClientPseudonym())
            .orElse("")
            .equals(hmac.clientPseudonym(agencyId, clientId))) {
      throw invalid("clientId", "is not the client of this referral");
    }
    ReferralSubmitted old =
        submitted
            .get(referralId)
            .orElseThrow(() -> GatewayProblem.notFound("referral", referralId));
    // A revoked or expired consent is refused by ReferralService's consent policy, with its own
    // problem type, before anything is published.
    ClientIdentity identity =
        cipher.open(old.getClient().getIdentity(), ClientIdentity.class, referralId);
    ReferralNarrative narrative =
        old.getNarrative() == null
            ? null
            : cipher.open(old.getNarrative(), ReferralNarrative.class, referralId);
    ReferralRequests.Submit request =
        new ReferralRequests.Submit(
            new ReferralRequests.Target(providerId, serviceId),
            old.getNeeds().isEmpty()
                ? null
                : old.getNeeds().stream()
                    .map(
                        n ->
                            new ReferralRequests.NeedCode(
                                n.getSystem(), n.getCode(), n.getDisplay()))
                    .toList(),
            narrative == null
                ? null
                : new ReferralRequests.Narrative(
                    narrative.getNeedsDescription(),
                    nullIfEmpty(narrative.getGoals()),
                    narrative.getNotes()),
            priority == null ? old.getPriority() : priority,
            null,
            new ReferralRequests.ConsentUse(
                old.getConsent().getConsentId(),
                List.<InformationCategory>copyOf(old.getConsent().getInformationCategories()),
                old.getConsent().getPurpose(),
                old.getConsent().getNarrativeCategories()),
            client(clientId, identity),
            new ReferralRequests.CaseManager(
                old.getReferrer().getCaseManager().getId(),
                old.getReferrer().getCaseManager().getName(),
                old.getReferrer().getCaseManager().getEmail(),
                old.getReferrer().getCaseManager().getMobile(),
                List.copyOf(old.getReferrer().getCaseManager().getPreferredChannels()),
                old.getReferrer().getCaseManager().getTimeZone()),
            old.getFlags() != null && old.getFlags().getContactingSubjectProhibited());
    validate(request);
    ReferralService.Submission submission = service.submit(agencyId, idempotencyKey, request);
    return new Resent(submission.referral().referralId(), submission.created());
  }

  private static ReferralRequests.Client client(String clientId, ClientIdentity identity) {
    return new ReferralRequests.Client(
        clientId,
        emptyToNull(identity.getGivenName()),
        emptyToNull(identity.getFamilyName()),
        (LocalDate) identity.getBirthDate(),
        identity.getPhone(),
        identity.getEmail(),
        identity.getAddress() == null
            ? null
            : new ReferralRequests.Address(
                nullIfEmpty(identity.getAddress().getLines()),
                identity.getAddress().getCity(),
                identity.getAddress().getState(),
                identity.getAddress().getPostalCode(),
                identity.getAddress().getCountry()),
        identity.getIdentifiers().isEmpty()
            ? null
            : identity.getIdentifiers().stream()
                .map(i -> new ReferralRequests.Identifier(i.getSystem(), i.getValue()))
                .toList(),
        identity.getPreferredLanguage());
  }

  private <T> void validate(T request) {
    Set<ConstraintViolation<T>> violations = validator.validate(request);
    if (!violations.isEmpty()) {
      ConstraintViolation<T> first = violations.iterator().next();
      throw invalid(first.getPropertyPath().toString(), first.getMessage());
    }
  }

  private static GatewayProblem invalid(String field, String message) {
    return new GatewayProblem(
        HttpStatus.BAD_REQUEST,
        ProblemTypes.VALIDATION,
        "Invalid request",
        field + " " + message + ".",
        Map.of("errors", List.of(Map.of("field", field, "message", message))),
        Optional.empty());
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static <T> List<T> nullIfEmpty(List<T> list) {
    return list == null || list.isEmpty() ? null : List.copyOf(list);
  }
}
