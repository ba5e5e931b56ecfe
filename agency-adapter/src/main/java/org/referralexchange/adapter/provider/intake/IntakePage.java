package org.referralexchange.adapter.provider.intake;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.events.v1.ReferralStatus;

/**
 * What one intake page shows: the referral as the provider may see it, already cut to the consent
 * and the allow-list by the core, cut to the allow-list once more here (as the webhook kind does),
 * and the actions this status and this link still allow.
 */
record IntakePage(
    String providerName,
    String referralId,
    String status,
    String priority,
    String service,
    String sentOn,
    String respondBy,
    String agency,
    String caseManager,
    String caseManagerEmail,
    List<String> needs,
    List<Field> client,
    OutboundReferral.Narrative narrative,
    boolean contactingSubjectProhibited,
    String part2Notice,
    List<IntakeAction> actions) {

  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("d MMMM yyyy, HH:mm zzz", Locale.ENGLISH);
  private static final Set<String> ADDRESS_PARTS =
      Set.of("addressLines", "city", "state", "postalCode");

  /** One labelled client field. */
  record Field(String label, String value) {}

  static IntakePage of(
      AdapterProperties.Provider provider,
      OutboundReferral referral,
      ReferralStatus status,
      IntakeLink link,
      IntakeLinkUses uses) {
    Set<String> allowed = provider.allowedFields();
    ZoneId zone = provider.timeZone();
    List<IntakeAction> actions = new ArrayList<>();
    for (IntakeAction action : IntakeAction.values()) {
      if (action.from.contains(status) && !uses.used(link, action.status)) {
        actions.add(action);
      }
    }
    return new IntakePage(
        provider.name(),
        referral.referralId(),
        statusLabel(status),
        "URGENT".equals(referral.priority()) ? "Urgent" : "Routine",
        provider
            .settings()
            .service(referral.serviceId())
            .map(s -> s.name())
            .orElse(referral.serviceId()),
        when(referral.authoredOn(), zone),
        when(referral.respondBy(), zone),
        referral.requester().agencyName(),
        referral.requester().caseManagerName(),
        referral.requester().caseManagerEmail(),
        referral.needs().stream()
            .map(n -> n.display() == null || n.display().isBlank() ? n.code() : n.display())
            .toList(),
        client(referral.client(), allowed),
        allowed.contains("narrative") ? referral.narrative() : null,
        referral.contactingSubjectProhibited(),
        referral.part2() == null ? null : referral.part2().notice(),
        List.copyOf(actions));
  }

  static String statusLabel(ReferralStatus status) {
    return switch (status) {
      case REQUESTED -> "Waiting for your answer";
      case ACCEPTED -> "Accepted";
      case REJECTED -> "Declined";
      case IN_PROGRESS -> "In progress";
      case ON_HOLD -> "On hold";
      case COMPLETED -> "Completed";
      case FAILED -> "Closed without service";
      default -> "Withdrawn";
    };
  }

  private static String when(Instant instant, ZoneId zone) {
    return instant == null ? null : WHEN.format(instant.atZone(zone));
  }

  private static List<Field> client(OutboundReferral.Client c, Set<String> allowed) {
    List<Field> fields = new ArrayList<>();
    if (c == null) {
      return fields;
    }
    add(fields, allowed, "givenName", "Given name", c.givenName());
    add(fields, allowed, "familyName", "Family name", c.familyName());
    add(fields, allowed, "birthDate", "Date of birth", c.birthDate());
    add(fields, allowed, "phone", "Phone", c.phone());
    add(fields, allowed, "email", "Email", c.email());
    add(
        fields,
        allowed,
        "addressLines",
        "Address",
        c.addressLines() == null || c.addressLines().isEmpty()
            ? null
            : String.join(", ", c.addressLines()));
    add(fields, allowed, "city", "City", c.city());
    add(fields, allowed, "state", "State", c.state());
    add(fields, allowed, "postalCode", "Postal code", c.postalCode());
    add(
        fields,
        allowed,
        "identifiers",
        "Identifiers",
        c.identifiers() == null || c.identifiers().isEmpty()
            ? null
            : String.join(", ", c.identifiers()));
    add(fields, allowed, "preferredLanguage", "Preferred language", c.preferredLanguage());
    return fields;
  }

  private static void add(
      List<Field> fields, Set<String> allowed, String name, String label, Object value) {
    boolean named =
        allowed.contains(name) || (ADDRESS_PARTS.contains(name) && allowed.contains("address"));
    if (named && value != null) {
      fields.add(new Field(label, value.toString()));
    }
  }
}
