package org.referralexchange.policy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.ConsentRecipients;
import org.referralexchange.events.v1.InformationCategory;

/**
 * One rule a valid consent to share must satisfy (HIPAA 45 CFR 164.508, 42 CFR Part 2). A referral
 * may be published, or delivered, only when every policy in {@link #ALL} allows it.
 */
public interface ConsentPolicy {

  /** Stable name, used as the problem type and in metrics. */
  String name();

  PolicyDecision evaluate(ConsentCheck check);

  /** The consent the referral names exists. */
  ConsentPolicy EXISTS =
      of(
          "consent-not-found",
          check ->
              check.consent().isPresent()
                  ? null
                  : "no consent with this id is known to the exchange");

  /** It was recorded by the agency that discloses, for the client the referral is about. */
  ConsentPolicy SAME_AGENCY_AND_CLIENT =
      whenPresent(
          "consent-not-for-this-client",
          (consent, check) ->
              consent.getDisclosingAgencyId().equals(check.disclosingAgencyId())
                      && consent.getClientPseudonym().equals(check.clientPseudonym())
                  ? null
                  : "the consent was not given to this agency for this client");

  /** It has not been revoked. */
  ConsentPolicy NOT_REVOKED =
      whenPresent(
          "consent-revoked",
          (consent, check) -> check.revoked() ? "the client revoked this consent" : null);

  /** It is in effect. */
  ConsentPolicy IN_EFFECT =
      whenPresent(
          "consent-not-yet-effective",
          (consent, check) ->
              check.now().isBefore(consent.getEffectiveFrom())
                  ? "the consent takes effect at " + consent.getEffectiveFrom()
                  : null);

  /** It has not expired. */
  ConsentPolicy NOT_EXPIRED =
      whenPresent(
          "consent-expired",
          (consent, check) ->
              consent.getExpiresAt() != null && !check.now().isBefore(consent.getExpiresAt())
                  ? "the consent expired at " + consent.getExpiresAt()
                  : null);

  /**
   * It names the recipient, or a class of recipients the recipient belongs to. A disclosure of Part
   * 2 (substance-use-disorder) information reaches a class only as 42 CFR 2.31(a)(4)(ii) allows:
   * through the intermediary it names, and only to a participant that treats the client. Without a
   * named intermediary such a class covers nobody, so providers listed after the client signed are
   * never reached by a description they could not have been named in.
   */
  ConsentPolicy COVERS_RECIPIENT =
      whenPresent(
          "consent-does-not-cover-recipient",
          (consent, check) -> {
            ConsentRecipients recipients = consent.getRecipients();
            if (recipients.getProviderIds().contains(check.recipientProviderId())) {
              return null;
            }
            boolean inClass =
                recipients.getServiceCategories().stream()
                    .anyMatch(check.recipientServiceCategories()::contains);
            if (inClass
                && !check.categories().contains(InformationCategory.SUBSTANCE_USE_DISORDER)) {
              return null;
            }
            if (inClass && recipients.getIntermediary() == null) {
              return "a 42 CFR Part 2 consent covers a class of recipients only through the"
                  + " intermediary it names, and this one names none";
            }
            if (inClass && !check.recipientTreats()) {
              return "a 42 CFR Part 2 consent's class of recipients covers only treating"
                  + " providers, and provider "
                  + check.recipientProviderId()
                  + " is not listed as one";
            }
            return inClass
                ? null
                : "the consent does not name provider "
                    + check.recipientProviderId()
                    + " or a class it belongs to";
          });

  /** It covers every category of information the referral carries. */
  ConsentPolicy COVERS_CATEGORIES =
      whenPresent(
          "consent-does-not-cover-information",
          (consent, check) -> {
            Set<InformationCategory> missing = new HashSet<>(check.categories());
            missing.removeAll(consent.getInformationCategories());
            return missing.isEmpty()
                ? null
                : "the consent does not cover " + missing.stream().sorted().toList();
          });

  /** Substance-use-disorder information needs a Part 2 consent that names it. */
  ConsentPolicy PART_2 =
      whenPresent(
          "part2-consent-required",
          (consent, check) ->
              check.categories().contains(InformationCategory.SUBSTANCE_USE_DISORDER)
                      && !(consent.getPart2()
                          && consent
                              .getInformationCategories()
                              .contains(InformationCategory.SUBSTANCE_USE_DISORDER))
                  ? "substance-use-disorder information needs a 42 CFR Part 2 consent naming it"
                  : null);

  /** The purpose of the disclosure is the purpose consented to. */
  ConsentPolicy PURPOSE_MATCHES =
      whenPresent(
          "consent-purpose-mismatch",
          (consent, check) ->
              consent.getPurpose().equals(check.purpose())
                  ? null
                  : "the consent is for purpose "
                      + consent.getPurpose()
                      + ", not "
                      + check.purpose());

  /** Every consent policy, in the order they are checked. */
  List<ConsentPolicy> ALL =
      List.of(
          EXISTS,
          SAME_AGENCY_AND_CLIENT,
          NOT_REVOKED,
          IN_EFFECT,
          NOT_EXPIRED,
          COVERS_RECIPIENT,
          COVERS_CATEGORIES,
          PART_2,
          PURPOSE_MATCHES);

  /** The first refusal of all policies, or allowed. */
  static PolicyDecision evaluateAll(ConsentCheck check) {
    for (ConsentPolicy policy : ALL) {
      PolicyDecision decision = policy.evaluate(check);
      if (!decision.isAllowed()) {
        return decision;
      }
    }
    return PolicyDecision.allowed();
  }

  private static ConsentPolicy of(String name, Function<ConsentCheck, String> refusal) {
    return new ConsentPolicy() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public PolicyDecision evaluate(ConsentCheck check) {
        String reason = refusal.apply(check);
        return reason == null ? PolicyDecision.allowed() : PolicyDecision.rejected(name, reason);
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }

  private static ConsentPolicy whenPresent(
      String name, java.util.function.BiFunction<ConsentDetails, ConsentCheck, String> refusal) {
    return of(name, check -> check.consent().map(c -> refusal.apply(c, check)).orElse(null));
  }
}
