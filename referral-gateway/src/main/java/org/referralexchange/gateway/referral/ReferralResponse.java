package org.referralexchange.gateway.referral;

import io.swagger.v3.oas.annotations.media.Schema;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.policy.ReturnDisclosure;

/**
 * A referral as the API shows it: no client data, only what both agencies may see. {@code
 * respondBy} is the one the agency gave, absent (null) when the provider's response window decides:
 * the gateway does not know the provider's business hours, the adapter does.
 *
 * <p>{@code answersWithheld}: a Part 2 referral whose consent does not allow the provider's answers
 * back to the referrer ({@link ReturnDisclosure}). The referring agency then sees the provider's
 * first answer as one step {@code ANSWERED} (when, by which provider) and nothing of later ones: no
 * status, reason or outcome. The provider's agency, whose information it is, sees everything.
 */
@Schema(name = "Referral")
public record ReferralResponse(
    String referralId,
    String status,
    String referringAgencyId,
    String caseManagerId,
    String providerId,
    String serviceId,
    String consentId,
    String priority,
    Instant respondBy,
    Instant submittedAt,
    List<Step> timeline,
    boolean answersWithheld) {

  /**
   * One timeline entry.
   *
   * @param reasonText the words of whoever set the status; a provider's reach here cleaned of
   *     control characters and cut to 500 characters by the adapter
   * @param skipped statuses the referral passed through at the provider that nobody reported, in
   *     order (requested then completed skips ACCEPTED); when they happened is not known
   */
  @Schema(name = "TimelineStep")
  public record Step(
      String status,
      Instant occurredAt,
      String reasonCode,
      String reasonText,
      String actorRole,
      String actorOrganizationId,
      String providerReference,
      Outcome outcome,
      List<String> skipped) {}

  @Schema(name = "ProviderOutcome")
  public record Outcome(
      String delivered,
      Double units,
      String unitName,
      BigDecimal costAmount,
      String costCurrency) {}

  /** The referral as {@code viewerAgencyId} may see it. */
  static ReferralResponse of(ReferralRecord record, String viewerAgencyId) {
    boolean withheld = record.returnWithheld() && record.referringAgencyId().equals(viewerAgencyId);
    List<Step> steps =
        withheld
            ? withheldSteps(record.timeline())
            : record.timeline().stream().map(ReferralResponse::step).toList();
    return new ReferralResponse(
        record.referralId(),
        steps.get(steps.size() - 1).status(),
        record.referringAgencyId(),
        record.caseManagerId(),
        record.providerId(),
        record.serviceId(),
        record.consentId(),
        record.priority().name(),
        record.respondBy(),
        record.submittedAt(),
        steps,
        withheld);
  }

  /**
   * The provider's first answer as ANSWERED, its later ones left out; other entries as they are.
   */
  private static List<Step> withheldSteps(List<TimelineEntry> timeline) {
    List<Step> steps = new java.util.ArrayList<>();
    boolean answered = false;
    for (TimelineEntry e : timeline) {
      if (e.actor().getRole() != ActorRole.PROVIDER) {
        steps.add(step(e));
      } else if (!answered) {
        answered = true;
        steps.add(
            new Step(
                ReturnDisclosure.WITHHELD_STATUS,
                e.occurredAt(),
                null,
                null,
                ActorRole.PROVIDER.name(),
                e.actor().getOrganizationId(),
                null,
                null,
                List.of()));
      }
    }
    return steps;
  }

  private static Step step(TimelineEntry e) {
    Outcome outcome =
        e.outcome() == null
            ? null
            : new Outcome(
                e.outcome().getDelivered(),
                e.outcome().getUnits(),
                e.outcome().getUnitName(),
                e.outcome().getCost() == null ? null : e.outcome().getCost().getAmount(),
                e.outcome().getCost() == null ? null : e.outcome().getCost().getCurrency());
    return new Step(
        e.status().name(),
        e.occurredAt(),
        e.reason() == null ? null : e.reason().getCode(),
        e.reason() == null ? null : e.reason().getText(),
        e.actor().getRole().name(),
        e.actor().getOrganizationId(),
        e.providerReference(),
        outcome,
        e.skipped().stream().map(Enum::name).toList());
  }

  /** One page of referrals. */
  @Schema(name = "ReferralPage")
  public record Page(List<ReferralResponse> items, int page, int size, int total) {}

  /** What a submission answers: the id to follow, and where. */
  @Schema(name = "ReferralAccepted")
  public record Accepted(String referralId, String status, String location) {}
}
