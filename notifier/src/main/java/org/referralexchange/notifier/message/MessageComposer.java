package org.referralexchange.notifier.message;

import java.util.Locale;
import java.util.Map;
import org.referralexchange.kafka.directory.ProviderDirectoryView;
import org.referralexchange.notifier.channel.EmailSender.Email;
import org.referralexchange.notifier.config.NotifierProperties;
import org.referralexchange.notifier.referral.Contact;
import org.referralexchange.notifier.referral.Trigger;
import org.springframework.context.MessageSource;
import org.springframework.stereotype.Component;
import org.thymeleaf.context.Context;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

/**
 * Renders the email (subject, plain text and HTML from {@code templates/mail/<topic>.txt|html}) and
 * the SMS (one line from {@code messages.properties}) of a notification. The model holds only what
 * a notification may say: the referral reference, the provider's and the service's names (from the
 * provider directory; their ids when it does not know them), status, the reason's code (never its
 * free text) or the outcome's cost (never the provider's words), and the link to the referral in
 * the gateway. The client block is never part of it.
 */
@Component
public class MessageComposer {

  private static final Locale LOCALE = Locale.ENGLISH;

  private final SpringTemplateEngine templates;
  private final MessageSource messages;
  private final String gatewayBaseUrl;
  private final ProviderDirectoryView directory;

  MessageComposer(
      MessageSource messages, NotifierProperties properties, ProviderDirectoryView directory) {
    this.messages = messages;
    this.directory = directory;
    String base = properties.gatewayBaseUrl();
    this.gatewayBaseUrl = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.templates = new SpringTemplateEngine();
    templates.addTemplateResolver(resolver(".html", TemplateMode.HTML, 1));
    templates.addTemplateResolver(resolver(".txt", TemplateMode.TEXT, 2));
    templates.setTemplateEngineMessageSource(messages);
  }

  private static ClassLoaderTemplateResolver resolver(String suffix, TemplateMode mode, int order) {
    ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver();
    resolver.setPrefix("templates/mail/");
    resolver.setSuffix(suffix);
    resolver.setResolvablePatterns(java.util.Set.of("*" + suffix));
    resolver.setTemplateMode(mode);
    resolver.setCharacterEncoding("UTF-8");
    resolver.setCacheable(true);
    resolver.setOrder(order);
    return resolver;
  }

  /** The link to the referral's page in the gateway (the case manager signs in there). */
  public String link(String referralId) {
    return gatewayBaseUrl + "/referrals/" + referralId;
  }

  public Email email(Trigger trigger, Contact contact) {
    Context context = new Context(LOCALE);
    context.setVariables(model(trigger, contact));
    String subject =
        messages.getMessage(
            "mail.subject." + trigger.topic(),
            new Object[] {trigger.referralId(), directory.providerName(trigger.providerId())},
            LOCALE);
    // Template names carry their suffix so each resolver picks its own mode.
    String text = templates.process(trigger.topic() + ".txt", context);
    String html = templates.process(trigger.topic() + ".html", context);
    return new Email(contact.email(), subject, text, html);
  }

  /**
   * A short pointer: reference, what happened, the reason's code, the link. No reason text (it is
   * the provider's own words and could name the client) and no provider name (a pointer only).
   */
  public String sms(Trigger trigger) {
    return messages.getMessage(
        "sms." + trigger.topic(),
        new Object[] {
          trigger.referralId(), link(trigger.referralId()), reasonCode(trigger).orElse("other")
        },
        LOCALE);
  }

  /**
   * The reason as a code only: a provider's reason may be text alone (all SDOHCC requires), and
   * that text is the provider's own words, which may name the client; it is coded {@code other}.
   */
  static java.util.Optional<String> reasonCode(Trigger trigger) {
    return trigger
        .reasonCode()
        .filter(code -> !code.isBlank())
        .or(() -> trigger.reasonText().map(text -> "other"));
  }

  private Map<String, Object> model(Trigger trigger, Contact contact) {
    Map<String, Object> model = new java.util.HashMap<>();
    model.put("referralId", trigger.referralId());
    model.put("providerId", trigger.providerId());
    model.put("providerName", directory.providerName(trigger.providerId()));
    model.put("serviceId", contact.serviceId());
    model.put(
        "serviceName",
        directory
            .serviceName(trigger.providerId(), contact.serviceId())
            .or(contact::serviceName)
            .orElse(contact.serviceId()));
    model.put("caseManagerName", contact.caseManagerName());
    model.put("topic", trigger.topic());
    model.put("reasonCode", reasonCode(trigger).orElse(null));
    // The cost only: what was delivered and its unit are the provider's own words, which may name
    // the client, like a reason's text; they are shown on the referral's page, not in a message.
    trigger
        .outcome()
        .ifPresent(
            o -> {
              model.put("cost", o.cost().map(c -> c.toPlainString()).orElse(null));
              model.put("currency", o.currency().orElse(null));
            });
    model.put("link", link(trigger.referralId()));
    return model;
  }
}
