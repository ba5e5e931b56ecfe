package org.referralexchange.gateway.web;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.referralexchange.events.v1.ActorRole;
import org.referralexchange.events.v1.Priority;
import org.referralexchange.events.v1.ProviderContact;
import org.referralexchange.events.v1.ProviderListed;
import org.referralexchange.events.v1.ReferralStatus;
import org.referralexchange.gateway.config.GatewayProperties;
import org.referralexchange.gateway.problem.GatewayProblem;
import org.referralexchange.gateway.referral.ReferralPages;
import org.referralexchange.gateway.referral.ReferralResponse;
import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.referralexchange.policy.ReferralLifecycle;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The case manager's pages: the agency's referrals, one referral with its timeline, outcome,
 * provider and response clock, and the two actions (cancel with a reason; send again to another
 * provider after a decline). Reads and actions go through {@link ReferralPages}, i.e. the API's own
 * service methods. Every answer about a referral another agency sent is the same "not found" page
 * as for one that does not exist.
 */
@Controller
@Hidden
@RequestMapping("/referrals")
class CaseManagerPages extends PageErrors {

  /** Reasons a case manager withdraws a referral, coded as the lifecycle wants a reason. */
  static final List<Choice> CANCEL_REASONS =
      List.of(
          new Choice("no-longer-needed", "The client no longer needs the service"),
          new Choice("client-declined", "The client declined the referral"),
          new Choice("duplicate", "Sent twice or by mistake"),
          new Choice("other", "Another reason (say which below)"));

  record Choice(String value, String label) {}

  /** One row of the list. */
  record Row(
      String referralId,
      String serviceName,
      String providerName,
      String status,
      String statusLabel,
      String changedAt,
      Instant changedAtInstant,
      String change,
      String dueBy,
      boolean overdue) {}

  /** One timeline entry. */
  record Step(
      String statusLabel,
      String at,
      Instant instant,
      String who,
      String reasonCode,
      String reasonText,
      List<String> skipped) {}

  private final ReferralPages referrals;
  private final ResponseClockView clocks;
  private final ProviderDirectoryView directory;
  private final GatewayProperties gateway;
  private final Clock clock;

  CaseManagerPages(
      ReferralPages referrals,
      ResponseClockView clocks,
      ProviderDirectoryView directory,
      GatewayProperties gateway,
      Clock clock) {
    this.referrals = referrals;
    this.clocks = clocks;
    this.directory = directory;
    this.gateway = gateway;
    this.clock = clock;
  }

  /**
   * The referrals the agency sent: every case manager of an agency may follow (and cover for) the
   * agency's referrals, as the API lets the agency; {@code scope=mine} keeps those naming the
   * signed-in case manager. Overdue ones first, then by newest change.
   */
  @GetMapping
  String list(
      Authentication authentication,
      @RequestParam(required = false) String status,
      @RequestParam(required = false) String scope,
      Model model) {
    StaffMember staff = staff(authentication);
    ReferralStatus filter = null;
    if (status != null && !status.isBlank()) {
      if (!PageText.filterableStatuses().containsKey(status)) {
        throw new GatewayProblem(
            org.springframework.http.HttpStatus.BAD_REQUEST,
            org.referralexchange.gateway.problem.ProblemTypes.VALIDATION,
            "Unknown status",
            "The list can be filtered only by the statuses it offers.");
      }
      filter = ReferralStatus.valueOf(status);
    }
    boolean mine = "mine".equals(scope);
    ZoneId zone = zone(staff);
    List<Row> rows = new ArrayList<>();
    for (ReferralResponse r : referrals.list(staff.agencyId(), filter)) {
      if (!r.referringAgencyId().equals(staff.agencyId())
          || (mine && !staff.userId().equals(r.caseManagerId()))) {
        continue;
      }
      rows.add(row(r, zone));
    }
    rows.sort(
        Comparator.comparing(Row::overdue)
            .reversed()
            .thenComparing(Row::changedAtInstant, Comparator.reverseOrder()));
    model.addAttribute("staff", staff);
    model.addAttribute("agencyName", agencyName(staff.agencyId()));
    model.addAttribute("rows", rows);
    model.addAttribute("statuses", PageText.filterableStatuses());
    model.addAttribute("status", filter == null ? "" : filter.name());
    model.addAttribute("mine", mine);
    return "cases/list";
  }

  @GetMapping("/{referralId}")
  String referral(
      Authentication authentication,
      @PathVariable String referralId,
      @RequestParam(required = false) String done,
      Model model) {
    StaffMember staff = staff(authentication);
    ReferralResponse r = referrals.show(staff.agencyId(), referralId);
    ZoneId zone = zone(staff);
    boolean referring = r.referringAgencyId().equals(staff.agencyId());
    ResponseClockView.ResponseClock responseClock = clocks.get(referralId);
    Instant dueBy = responseClock.dueBy() != null ? responseClock.dueBy() : r.respondBy();
    Optional<ProviderListed> provider = directory.find(r.providerId());
    ProviderContact contact = provider.map(ProviderListed::getContact).orElse(null);

    model.addAttribute("staff", staff);
    model.addAttribute("agencyName", agencyName(staff.agencyId()));
    model.addAttribute("r", r);
    model.addAttribute("statusLabel", PageText.status(r.status()));
    model.addAttribute("providerName", directory.providerName(r.providerId()));
    model.addAttribute(
        "serviceName", directory.serviceName(r.providerId(), r.serviceId()).orElse(r.serviceId()));
    model.addAttribute("contact", contact);
    model.addAttribute("submittedAt", PageText.time(r.submittedAt(), zone));
    model.addAttribute("steps", steps(r, zone));
    ReferralResponse.Step completed =
        r.timeline().stream().filter(s -> s.outcome() != null).reduce((a, b) -> b).orElse(null);
    model.addAttribute("outcome", completed == null ? null : completed.outcome());
    model.addAttribute(
        "outcomeAt", completed == null ? null : PageText.time(completed.occurredAt(), zone));
    model.addAttribute("units", completed == null ? null : PageText.units(completed.outcome()));
    model.addAttribute("cost", completed == null ? null : PageText.cost(completed.outcome()));
    model.addAttribute("dueBy", PageText.time(dueBy, zone));
    model.addAttribute("deliveredAt", PageText.time(responseClock.deliveredAt(), zone));
    model.addAttribute("reminderAt", PageText.time(responseClock.reminderAt(), zone));
    model.addAttribute("returnedAt", PageText.time(responseClock.returnedAt(), zone));
    model.addAttribute("overdue", overdue(r, responseClock));
    model.addAttribute("referring", referring);
    model.addAttribute("sent", referrals.sent(staff.agencyId(), referralId).orElse(null));
    model.addAttribute("mayCancel", referring && mayCancel(r));
    model.addAttribute("cancelReasons", CANCEL_REASONS);
    model.addAttribute(
        "maySendAgain", referring && ReferralPages.SEND_AGAIN_AFTER.contains(r.status()));
    model.addAttribute("done", done);
    return "cases/referral";
  }

  @PostMapping("/{referralId}/cancellation")
  String cancel(
      Authentication authentication,
      @PathVariable String referralId,
      @RequestParam String reasonCode,
      @RequestParam(required = false) String reasonText) {
    StaffMember staff = staff(authentication);
    referrals.cancel(staff.agencyId(), referralId, reasonCode, reasonText);
    return "redirect:/referrals/" + referralId + "?done=cancelled";
  }

  /**
   * A new referral prefilled from the declined one. Its idempotency key is the session's for this
   * referral, not one per form shown: the browser's Back button loads the form anew (the pages are
   * not cached), and the form sent again from there must be the same send, not a second referral.
   */
  @GetMapping("/{referralId}/send-again")
  String sendAgainForm(
      Authentication authentication,
      @PathVariable String referralId,
      HttpSession session,
      Model model) {
    StaffMember staff = staff(authentication);
    ReferralResponse r = referrals.show(staff.agencyId(), referralId);
    if (!r.referringAgencyId().equals(staff.agencyId())
        || !ReferralPages.SEND_AGAIN_AFTER.contains(r.status())) {
      throw new GatewayProblem(
          org.springframework.http.HttpStatus.CONFLICT,
          org.referralexchange.gateway.problem.ProblemTypes.TRANSITION_REFUSED,
          "Not declined",
          "A referral is sent again only by the agency that sent it, after the provider declined"
              + " it or it ended unanswered.");
    }
    return sendAgainPage(
        staff, r, sendAgainKey(session, referralId), "", r.priority(), null, null, model);
  }

  private static String sendAgainKey(HttpSession session, String referralId) {
    String attribute = "send-again-key:" + referralId;
    if (session.getAttribute(attribute) instanceof String key) {
      return key;
    }
    String key = UUID.randomUUID().toString();
    session.setAttribute(attribute, key);
    return key;
  }

  @PostMapping("/{referralId}/send-again")
  String sendAgain(
      Authentication authentication,
      @PathVariable String referralId,
      @RequestParam String idempotencyKey,
      @RequestParam String target,
      @RequestParam String clientId,
      @RequestParam String priority,
      Model model,
      HttpServletResponse response) {
    StaffMember staff = staff(authentication);
    ReferralResponse r = referrals.show(staff.agencyId(), referralId);
    int bar = target.indexOf('|');
    Priority chosen;
    try {
      chosen = Priority.valueOf(priority);
    } catch (IllegalArgumentException e) {
      chosen = null;
    }
    try {
      if (bar < 1 || chosen == null) {
        throw new GatewayProblem(
            org.springframework.http.HttpStatus.BAD_REQUEST,
            org.referralexchange.gateway.problem.ProblemTypes.VALIDATION,
            "Invalid request",
            "Choose a provider and service, and a priority, from the lists.");
      }
      ReferralPages.Resent resent =
          referrals.sendAgain(
              staff.agencyId(),
              referralId,
              // With the target: the same form sent to the same provider is one referral, and
              // to another provider (the case manager chose again) another one.
              idempotencyKey + "|" + target,
              clientId,
              target.substring(0, bar),
              target.substring(bar + 1),
              chosen);
      return "redirect:/referrals/"
          + resent.referralId()
          + "?done="
          + (resent.created() ? "sent" : "already-sent");
    } catch (GatewayProblem problem) {
      int code = problem.getStatusCode().value();
      if (code == 404 || code >= 500) {
        throw problem;
      }
      // Refused before anything was published: the form again, with why, and the same key.
      response.setStatus(code);
      return sendAgainPage(
          staff,
          r,
          idempotencyKey,
          target,
          chosen == null ? r.priority() : chosen.name(),
          problem.title(),
          problem.detail(),
          model);
    }
  }

  /** Any other path under /referrals: the same not-found page, not the API's JSON. */
  @RequestMapping("/**")
  String unknown(Model model, HttpServletResponse response) {
    return notFound(model, response);
  }

  private String sendAgainPage(
      StaffMember staff,
      ReferralResponse r,
      String idempotencyKey,
      String target,
      String priority,
      String errorTitle,
      String errorDetail,
      Model model) {
    List<Choice> targets = new ArrayList<>();
    directory.all().stream()
        .filter(ProviderListed::getServed)
        .filter(p -> !p.getProviderId().equals(r.providerId()))
        .sorted(Comparator.comparing(ProviderListed::getName))
        .forEach(
            p ->
                p.getServices()
                    .forEach(
                        s ->
                            targets.add(
                                new Choice(
                                    p.getProviderId() + "|" + s.getId(),
                                    p.getName() + ": " + s.getName()))));
    model.addAttribute("staff", staff);
    model.addAttribute("agencyName", agencyName(staff.agencyId()));
    model.addAttribute("r", r);
    model.addAttribute("providerName", directory.providerName(r.providerId()));
    model.addAttribute(
        "serviceName", directory.serviceName(r.providerId(), r.serviceId()).orElse(r.serviceId()));
    model.addAttribute("sent", referrals.sent(staff.agencyId(), r.referralId()).orElse(null));
    model.addAttribute("targets", targets);
    model.addAttribute("target", target);
    model.addAttribute("priority", priority);
    model.addAttribute("idempotencyKey", idempotencyKey);
    model.addAttribute("errorTitle", errorTitle);
    model.addAttribute("errorDetail", errorDetail);
    return "cases/send-again";
  }

  private Row row(ReferralResponse r, ZoneId zone) {
    ReferralResponse.Step last = r.timeline().get(r.timeline().size() - 1);
    ResponseClockView.ResponseClock responseClock = clocks.get(r.referralId());
    Instant dueBy = responseClock.dueBy() != null ? responseClock.dueBy() : r.respondBy();
    String change = PageText.status(last.status());
    if (last.reasonText() != null) {
      change += ": " + last.reasonText();
    } else if (last.reasonCode() != null) {
      change += " (" + last.reasonCode() + ")";
    }
    return new Row(
        r.referralId(),
        directory.serviceName(r.providerId(), r.serviceId()).orElse(r.serviceId()),
        directory.providerName(r.providerId()),
        r.status(),
        PageText.status(r.status()),
        PageText.time(last.occurredAt(), zone),
        last.occurredAt(),
        change,
        PageText.time(dueBy, zone),
        overdue(r, responseClock));
  }

  private List<Step> steps(ReferralResponse r, ZoneId zone) {
    return r.timeline().stream()
        .map(
            s ->
                new Step(
                    PageText.status(s.status()),
                    PageText.time(s.occurredAt(), zone),
                    s.occurredAt(),
                    who(s),
                    s.reasonCode(),
                    s.reasonText(),
                    s.skipped().stream().map(PageText::status).toList()))
        .toList();
  }

  private String who(ReferralResponse.Step step) {
    if (ActorRole.PROVIDER.name().equals(step.actorRole())) {
      return directory.providerName(step.actorOrganizationId());
    }
    if (ActorRole.REQUESTER.name().equals(step.actorRole())) {
      return agencyName(step.actorOrganizationId());
    }
    return "The exchange";
  }

  /** Still waiting for the provider's first answer, after it was due or a reminder went out. */
  private boolean overdue(ReferralResponse r, ResponseClockView.ResponseClock responseClock) {
    if (!"REQUESTED".equals(r.status())) {
      return false;
    }
    Instant dueBy = responseClock.dueBy() != null ? responseClock.dueBy() : r.respondBy();
    return responseClock.reminderAt() != null
        || responseClock.returnedAt() != null
        || (dueBy != null && clock.instant().isAfter(dueBy));
  }

  /** Whether the lifecycle lets the referring agency withdraw it now (never for a withheld one). */
  private static boolean mayCancel(ReferralResponse r) {
    if (r.answersWithheld()) {
      return false;
    }
    ReferralStatus current = ReferralStatus.valueOf(r.status());
    return ReferralLifecycle.check(
            new ReferralLifecycle.Change(
                Optional.of(current), ReferralStatus.CANCELLED, ActorRole.REQUESTER, true))
        .isAllowed();
  }

  private String agencyName(String agencyId) {
    return gateway.agency(agencyId).map(GatewayProperties.Agency::name).orElse(agencyId);
  }

  private ZoneId zone(StaffMember staff) {
    return gateway
        .agency(staff.agencyId())
        .map(GatewayProperties.Agency::timeZone)
        .orElse(ZoneOffset.UTC);
  }

  /** The chain lets only staff in; anything else here is a configuration error, refused. */
  private static StaffMember staff(Authentication authentication) {
    return StaffMember.of(authentication)
        .orElseThrow(
            () ->
                new GatewayProblem(
                    org.springframework.http.HttpStatus.FORBIDDEN,
                    org.referralexchange.gateway.problem.ProblemTypes.FORBIDDEN,
                    "Not signed in as staff",
                    "Sign in as a member of an agency's staff to see referrals."));
  }
}
