package org.referralexchange.adapter.provider.intake;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.referralexchange.adapter.config.AdapterProperties;
import org.referralexchange.adapter.config.ProviderDirectory;
import org.referralexchange.adapter.delivery.ProviderCopy;
import org.referralexchange.adapter.delivery.ProviderCopy.Copy;
import org.referralexchange.adapter.delivery.StatusRecorder;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.intake.IntakeLinks.Verification;
import org.referralexchange.kafka.BrokerUnavailableException;
import org.referralexchange.policy.ReferralLifecycle.ReportKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.view.RedirectView;

/**
 * The intake pages: {@code GET /intake/{referralId}/{token}} shows a referral to the provider its
 * signed link was sent to, {@code POST …/{action}} records an answer. Every view is recorded before
 * anything is opened ({@link IntakeViews}); every answer goes through the lifecycle and the same
 * publishing path as a webhook callback ({@link StatusRecorder}), naming the link as its actor,
 * which is how each action is used once ({@link IntakeLinkUses}). Refusals are plain pages, or
 * problem details for clients that ask for JSON.
 */
@Controller
@ConditionalOnProperty(
    prefix = "exchange.adapters.email-intake",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
class IntakePages {

  static final String FORM_COOKIE = "intake-form";
  private static final Logger log = LoggerFactory.getLogger(IntakePages.class);
  private static final Pattern REFERRAL_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  private final IntakeLinks links;
  private final IntakeLinkUses uses;
  private final IntakeViews views;
  private final ProviderDirectory providers;
  private final ProviderCopy copies;
  private final StatusRecorder recorder;
  private final Clock clock;

  IntakePages(
      IntakeLinks links,
      IntakeLinkUses uses,
      IntakeViews views,
      ProviderDirectory providers,
      ProviderCopy copies,
      StatusRecorder recorder,
      Clock clock) {
    this.links = links;
    this.uses = uses;
    this.views = views;
    this.providers = providers;
    this.copies = copies;
    this.recorder = recorder;
    this.clock = clock;
  }

  /** The page's path for a link. */
  static String path(String referralId, String token) {
    return "/intake/" + referralId + "/" + token;
  }

  @GetMapping("/intake/{referralId}/{token}")
  Object page(
      @PathVariable String referralId,
      @PathVariable String token,
      @RequestParam(required = false) String done,
      HttpServletRequest request,
      HttpServletResponse response,
      Model model) {
    Granted granted = grant(referralId, token);
    Copy copy = copies.decide(granted.provider(), referralId);
    if (copy instanceof Copy.Unknown) {
      throw new Refused(IntakeRefusal.FOREIGN);
    }
    if (copy instanceof Copy.NotYet) {
      throw new Refused(IntakeRefusal.UNAVAILABLE);
    }
    try {
      views.record(granted.link(), copy instanceof Copy.Withdrawn);
    } catch (BrokerUnavailableException e) {
      log.warn("An intake page view could not be recorded; nothing shown");
      throw new Refused(IntakeRefusal.UNAVAILABLE);
    }
    if (copy instanceof Copy.Withdrawn) {
      return "intake/withdrawn";
    }
    Copy.Shown shown = (Copy.Shown) copy;
    IntakePage page =
        IntakePage.of(
            granted.provider(),
            copies.open(granted.provider(), shown),
            shown.state().status(),
            granted.link(),
            uses);
    model.addAttribute("page", page);
    model.addAttribute("token", token);
    model.addAttribute("formToken", links.formToken(granted.link(), formNonce(request, response)));
    model.addAttribute("done", IntakeAction.byPath(done == null ? "" : done).orElse(null));
    model.addAttribute("declineReasons", IntakeAction.DECLINE_REASONS);
    model.addAttribute("holdReasons", IntakeAction.HOLD_REASONS);
    return "intake/referral";
  }

  @PostMapping("/intake/{referralId}/{token}/{action}")
  Object act(
      @PathVariable String referralId,
      @PathVariable String token,
      @PathVariable("action") String actionPath,
      @RequestParam MultiValueMap<String, String> form,
      HttpServletRequest request) {
    Granted granted = grant(referralId, token);
    Copy copy = copies.decide(granted.provider(), referralId);
    if (copy instanceof Copy.Unknown) {
      throw new Refused(IntakeRefusal.FOREIGN);
    }
    if (copy instanceof Copy.Withdrawn) {
      return "intake/withdrawn";
    }
    if (copy instanceof Copy.NotYet) {
      throw new Refused(IntakeRefusal.UNAVAILABLE);
    }
    if (!links.formTokenMatches(granted.link(), cookie(request), form.getFirst("_csrf"))) {
      throw new Refused(IntakeRefusal.FORM_EXPIRED);
    }
    IntakeAction action =
        IntakeAction.byPath(actionPath).orElseThrow(() -> new Refused(IntakeRefusal.FORGED));
    if (uses.used(granted.link(), action.status)) {
      throw new Refused(IntakeRefusal.USED);
    }
    var current = ((Copy.Shown) copy).state().status();
    if (!action.from.contains(current)) {
      throw new Refused(
          IntakeRefusal.NOT_POSSIBLE,
          "The referral is " + IntakePage.statusLabel(current).toLowerCase() + " now.");
    }
    ProviderStatusUpdate update = update(granted.link(), action, form);
    try {
      recorder.record(granted.provider().settings(), update, ReportKind.EVENT);
    } catch (ProviderUnavailableException e) {
      throw new Refused(IntakeRefusal.UNAVAILABLE);
    } catch (ProviderRejectedException e) {
      throw new Refused(IntakeRefusal.NOT_POSSIBLE);
    }
    log.info(
        "Provider {} answered {} through its intake page", granted.link().providerId(), action);
    // 303: the browser GETs the page again (post/redirect/get), so a reload posts nothing twice.
    RedirectView again = new RedirectView(path(referralId, token) + "?done=" + action.path, true);
    again.setStatusCode(org.springframework.http.HttpStatus.SEE_OTHER);
    return again;
  }

  /**
   * The update an action's form describes; reasons are codes only, so no free text names anyone.
   */
  private ProviderStatusUpdate update(
      IntakeLink link, IntakeAction action, MultiValueMap<String, String> form) {
    String reason = null;
    ProviderStatusUpdate.Outcome outcome = null;
    switch (action) {
      case DECLINE -> reason = oneOf(form.getFirst("reason"), IntakeAction.DECLINE_REASONS);
      case HOLD -> reason = oneOf(form.getFirst("reason"), IntakeAction.HOLD_REASONS);
      case COMPLETE -> outcome = outcome(form);
      default -> {}
    }
    return new ProviderStatusUpdate(
        link.referralId(),
        action.status,
        reason,
        null,
        null,
        outcome,
        clock.instant(),
        null,
        link.actor());
  }

  private static String oneOf(String value, List<String> allowed) {
    if (value == null || !allowed.contains(value)) {
      throw new Refused(IntakeRefusal.INVALID_INPUT, "Please choose a reason from the list.");
    }
    return value;
  }

  private static ProviderStatusUpdate.Outcome outcome(MultiValueMap<String, String> form) {
    List<String> problems = new ArrayList<>();
    String delivered = trimmed(form.getFirst("delivered"));
    if (delivered == null || delivered.length() > 200) {
      problems.add("Say what was delivered, in at most 200 characters.");
    }
    Double units = null;
    String unitsText = trimmed(form.getFirst("units"));
    if (unitsText != null) {
      try {
        units = Double.valueOf(unitsText);
        if (units < 0 || units.isInfinite() || units.isNaN()) {
          problems.add("Units must be a number of at least 0.");
        }
      } catch (NumberFormatException e) {
        problems.add("Units must be a number, such as 3.");
      }
    }
    String unitName = trimmed(form.getFirst("unitName"));
    if (unitName != null && unitName.length() > 40) {
      problems.add("The unit's name may have at most 40 characters.");
    }
    BigDecimal cost = null;
    String costText = trimmed(form.getFirst("cost"));
    if (costText != null) {
      try {
        cost = new BigDecimal(costText);
        if (cost.signum() < 0 || cost.scale() > 2 || cost.precision() > 12) {
          problems.add("The cost must be an amount such as 12.50.");
        }
      } catch (NumberFormatException e) {
        problems.add("The cost must be an amount such as 12.50.");
      }
    }
    String currency = Optional.ofNullable(trimmed(form.getFirst("currency"))).orElse("USD");
    if (!CURRENCY.matcher(currency).matches()) {
      problems.add("The currency must be a three-letter code such as USD.");
    }
    if (!problems.isEmpty()) {
      throw new Refused(IntakeRefusal.INVALID_INPUT, String.join(" ", problems));
    }
    return new ProviderStatusUpdate.Outcome(
        delivered.replaceAll("\\p{Cntrl}", " "),
        units,
        unitName,
        cost,
        cost == null ? null : currency);
  }

  private static String trimmed(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** The link's grant, or the refusal: forged, expired, or not this referral's. */
  private Granted grant(String referralId, String token) {
    Verification verified = links.verify(token);
    if (verified instanceof Verification.Forged) {
      throw new Refused(IntakeRefusal.FORGED);
    }
    if (verified instanceof Verification.Expired) {
      throw new Refused(IntakeRefusal.EXPIRED);
    }
    IntakeLink link = ((Verification.Valid) verified).link();
    if (!REFERRAL_ID.matcher(referralId).matches() || !link.referralId().equals(referralId)) {
      throw new Refused(IntakeRefusal.FOREIGN);
    }
    AdapterProperties.Provider provider =
        providers
            .provider(link.providerId())
            .filter(p -> p.enabled() && p.kind().equals(EmailIntakeAdapter.KIND))
            .orElseThrow(() -> new Refused(IntakeRefusal.FOREIGN));
    return new Granted(link, provider);
  }

  /** The browser's form cookie, set now when it has none (Secure, HttpOnly, SameSite=Strict). */
  private String formNonce(HttpServletRequest request, HttpServletResponse response) {
    String nonce = cookie(request);
    if (nonce == null) {
      nonce = links.newNonce();
      Cookie cookie = new Cookie(FORM_COOKIE, nonce);
      cookie.setPath("/intake");
      cookie.setSecure(true);
      cookie.setHttpOnly(true);
      cookie.setAttribute("SameSite", "Strict");
      response.addCookie(cookie);
    }
    return nonce;
  }

  private static String cookie(HttpServletRequest request) {
    if (request.getCookies() == null) {
      return null;
    }
    for (Cookie cookie : request.getCookies()) {
      if (FORM_COOKIE.equals(cookie.getName()) && cookie.getValue().matches("[A-Za-z0-9_-]{32}")) {
        return cookie.getValue();
      }
    }
    return null;
  }

  @ExceptionHandler(Refused.class)
  Object refused(Refused refused, HttpServletRequest request) {
    IntakeRefusal why = refused.refusal;
    String detail = refused.detail == null ? why.advice : refused.detail + " " + why.advice;
    if (wantsProblem(request)) {
      ProblemDetail problem = ProblemDetail.forStatusAndDetail(why.status, detail);
      problem.setType(why.type);
      problem.setTitle(why.title);
      return ResponseEntity.status(why.status)
          .contentType(MediaType.APPLICATION_PROBLEM_JSON)
          .body(problem);
    }
    ModelAndView page =
        new ModelAndView("intake/refused", Map.of("title", why.title, "detail", detail));
    page.setStatus(why.status);
    return page;
  }

  /** A client that asks for JSON and not for HTML gets problem details. */
  private static boolean wantsProblem(HttpServletRequest request) {
    String accept = request.getHeader("Accept");
    return accept != null && accept.contains("json") && !accept.contains("text/html");
  }

  private record Granted(IntakeLink link, AdapterProperties.Provider provider) {}

  /** A refusal, answered by {@link #refused}; its detail holds no client data. */
  static final class Refused extends RuntimeException {
    final IntakeRefusal refusal;
    final String detail;

    Refused(IntakeRefusal refusal) {
      this(refusal, null);
    }

    Refused(IntakeRefusal refusal, String detail) {
      super(refusal.name(), null, false, false);
      this.refusal = refusal;
      this.detail = detail;
    }
  }
}
