package org.referralexchange.adapter.provider;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;

/**
 * A referral as one provider may see it: the exchange has already checked consent, decrypted the
 * client's data and removed every field the provider's allow-list does not name (those are null or
 * empty here).
 *
 * @param referralId the exchange's id; use it to make delivery idempotent
 * @param providerId the receiving provider
 * @param serviceId the HSDS service asked for
 * @param priority ROUTINE or URGENT
 * @param authoredOn when the referral was made
 * @param respondBy when an answer is due
 * @param requester who refers
 * @param needs coded needs
 * @param client the client, allow-listed
 * @param narrative free text, allow-listed as the field {@code narrative}
 * @param contactingSubjectProhibited the provider must not contact the client directly
 * @param consentId the consent that authorises the disclosure
 * @param part2 the 42 CFR 2.32 notice and consent scope when the referral carries substance-use-
 *     disorder information, else null: a provider kind that sees it marks what it delivers as Part
 *     2
 * @param withheldFields the names of client fields the exchange holds but did not disclose to this
 *     provider, because the consent or the allow-list leaves them out: never values, so a provider
 *     kind can say a field is masked rather than unknown
 */
public record OutboundReferral(
    String referralId,
    String providerId,
    String serviceId,
    String priority,
    Instant authoredOn,
    Instant respondBy,
    Requester requester,
    List<Need> needs,
    Client client,
    Narrative narrative,
    boolean contactingSubjectProhibited,
    String consentId,
    Part2Disclosure part2,
    Set<String> withheldFields) {

  public OutboundReferral {
    withheldFields = withheldFields == null ? Set.of() : Set.copyOf(withheldFields);
  }

  /** A referral that carries no Part 2 information and withholds no field it holds. */
  public OutboundReferral(
      String referralId,
      String providerId,
      String serviceId,
      String priority,
      Instant authoredOn,
      Instant respondBy,
      Requester requester,
      List<Need> needs,
      Client client,
      Narrative narrative,
      boolean contactingSubjectProhibited,
      String consentId) {
    this(
        referralId,
        providerId,
        serviceId,
        priority,
        authoredOn,
        respondBy,
        requester,
        needs,
        client,
        narrative,
        contactingSubjectProhibited,
        consentId,
        null,
        Set.of());
  }

  /** This referral carrying the Part 2 notice and scope. */
  public OutboundReferral withPart2(Part2Disclosure disclosure) {
    return new OutboundReferral(
        referralId,
        providerId,
        serviceId,
        priority,
        authoredOn,
        respondBy,
        requester,
        needs,
        client,
        narrative,
        contactingSubjectProhibited,
        consentId,
        disclosure,
        withheldFields);
  }

  /** The referring agency and case manager (workforce data, not client data). */
  public record Requester(
      String agencyId, String agencyName, String caseManagerName, String caseManagerEmail) {}

  /** A coded need. */
  public record Need(String system, String code, String display) {}

  /** The client's data this provider may see; absent fields are null. */
  public record Client(
      String pseudonym,
      String givenName,
      String familyName,
      LocalDate birthDate,
      String phone,
      String email,
      List<String> addressLines,
      String city,
      String state,
      String postalCode,
      List<String> identifiers,
      String preferredLanguage) {}

  /** Free text, if the provider may see it. */
  public record Narrative(String needsDescription, List<String> goals, String notes) {}

  @Override
  public String toString() {
    return "OutboundReferral[" + referralId + " -> " + providerId + "]";
  }
}
