package org.referralexchange.adapter.provider.intake;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.referralexchange.adapter.provider.DeliveryReceipt;
import org.referralexchange.adapter.provider.OutboundReferral;
import org.referralexchange.adapter.provider.ProviderAdapter;
import org.referralexchange.adapter.provider.ProviderRejectedException;
import org.referralexchange.adapter.provider.ProviderSettings;
import org.referralexchange.adapter.provider.ProviderStatusUpdate;
import org.referralexchange.adapter.provider.ProviderUnavailableException;
import org.referralexchange.adapter.provider.PublicAddress;
import org.referralexchange.adapter.provider.TrackedReferral;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailException;
import org.springframework.mail.MailParseException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;

/**
 * Serves providers with no system of their own: "delivering" is an email to the provider's intake
 * address ({@code endpoint: mailto:intake@pantry.example}) saying a referral waits, with a signed,
 * single-use-per-action, expiring link to its page ({@link IntakePages}). The email holds no client
 * data: the referral id, the due date, the link. A reminder is another email with a fresh link; a
 * withdrawal an email saying so, without a link. Nothing is polled: answers come from the page.
 *
 * <p>A redelivery (after a crash before the delivery was recorded) sends another email with another
 * link; both open the same page, and each action is still recorded once per referral by the
 * lifecycle.
 */
@Component
@ConditionalOnProperty(
    prefix = "exchange.adapters.email-intake",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class EmailIntakeAdapter implements ProviderAdapter {

  public static final String KIND = "email-intake";

  private static final Logger log = LoggerFactory.getLogger(EmailIntakeAdapter.class);
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("EEEE d MMMM yyyy, HH:mm zzz", Locale.ENGLISH);

  private final ObjectProvider<JavaMailSender> mail;
  private final IntakeLinks links;
  private final IntakeProperties properties;
  private final PublicAddress address;
  private final Environment environment;
  private final Clock clock;

  EmailIntakeAdapter(
      ObjectProvider<JavaMailSender> mail,
      IntakeLinks links,
      IntakeProperties properties,
      PublicAddress address,
      Environment environment,
      Clock clock) {
    this.mail = mail;
    this.links = links;
    this.properties = properties;
    this.address = address;
    this.environment = environment;
    this.clock = clock;
  }

  @Override
  public String kind() {
    return KIND;
  }

  /** A {@code mailto:} intake address, a mail server, and a secret to sign links with. */
  @Override
  public List<String> settingsProblems(ProviderSettings provider) {
    List<String> problems = new ArrayList<>();
    if (intakeAddress(provider) == null) {
      problems.add("its endpoint must be the intake address as mailto:name@example.org");
    }
    if (mail.getIfAvailable() == null) {
      problems.add("no mail server is configured (spring.mail.host, ADAPTER_SMTP_HOST)");
    }
    if (links.problem() != null) {
      problems.add(links.problem());
    }
    return problems;
  }

  @Override
  public DeliveryReceipt deliver(ProviderSettings provider, OutboundReferral referral) {
    String link = link(provider, referral.referralId());
    send(
        provider,
        referral.referralId(),
        "A referral is waiting for your answer",
        String.join(
            "\n",
            "Hello " + provider.name() + ",",
            "",
            "A referral ("
                + referral.referralId()
                + ") has been sent to you through the referral"
                + " exchange.",
            referral.respondBy() == null
                ? "Please answer it soon."
                : "Please accept or decline it by " + when(referral.respondBy(), provider) + ".",
            "",
            "Open it here (this link works until "
                + when(expiry(), provider)
                + " and each answer can be given through it once):",
            link,
            "",
            "The referral's details are shown only on that page, never in email.",
            "If you did not expect this message, you can ignore it."));
    return new DeliveryReceipt("intake/" + referral.referralId());
  }

  @Override
  public void withdraw(
      ProviderSettings provider, TrackedReferral referral, String reasonCode, String reasonText) {
    // Only the code: the text is the exchange's own sentence, but a code is all the provider needs.
    send(
        provider,
        referral.referralId(),
        "A referral was withdrawn",
        String.join(
            "\n",
            "Hello " + provider.name() + ",",
            "",
            "Referral " + referral.referralId() + " was withdrawn (" + reasonCode + ").",
            "There is nothing more to do for it; its page now shows only that it is withdrawn."));
  }

  @Override
  public void remind(ProviderSettings provider, TrackedReferral referral, Instant respondBy) {
    String link = link(provider, referral.referralId());
    send(
        provider,
        referral.referralId(),
        "Reminder: a referral is waiting for your answer",
        String.join(
            "\n",
            "Hello " + provider.name() + ",",
            "",
            "Referral "
                + referral.referralId()
                + " was due for an answer by "
                + when(respondBy, provider)
                + ".",
            "",
            "Open it here (a new link; it works until " + when(expiry(), provider) + "):",
            link));
  }

  /** Answers come from the intake pages; there is nothing to ask. */
  @Override
  public List<ProviderStatusUpdate> poll(
      ProviderSettings provider, Collection<TrackedReferral> open) {
    return List.of();
  }

  private Instant expiry() {
    return clock.instant().plus(properties.linkLifetime());
  }

  private String link(ProviderSettings provider, String referralId) {
    String token = links.issue(provider.id(), referralId, properties.linkLifetime());
    return pageBase() + IntakePages.path(referralId, token);
  }

  /** The public base URL, with port 0 read as the port the server listens on. */
  private String pageBase() {
    URI base = address.publicBaseUrl();
    String text = base.toString().replaceAll("/+$", "");
    if (base.getPort() == 0) {
      String port = environment.getProperty("local.server.port", "0");
      text = text.replaceFirst(":0(?=/|$)", ":" + port);
    }
    return text;
  }

  private static String when(Instant instant, ProviderSettings provider) {
    ZoneId zone = provider.zone() == null ? ZoneId.of("UTC") : provider.zone();
    return WHEN.format(instant.atZone(zone));
  }

  /** The address of a {@code mailto:} endpoint, or null. */
  static InternetAddress intakeAddress(ProviderSettings provider) {
    URI endpoint = provider.endpoint();
    if (endpoint == null || !"mailto".equalsIgnoreCase(endpoint.getScheme())) {
      return null;
    }
    try {
      InternetAddress address = new InternetAddress(endpoint.getSchemeSpecificPart(), true);
      return address.getAddress().contains("@") ? address : null;
    } catch (AddressException e) {
      return null;
    }
  }

  private void send(ProviderSettings provider, String referralId, String subject, String text) {
    InternetAddress to = intakeAddress(provider);
    JavaMailSender sender = mail.getIfAvailable();
    if (to == null || sender == null) {
      throw new ProviderRejectedException(
          "Provider " + provider.id() + " has no usable intake address or mail server", null);
    }
    SimpleMailMessage message = new SimpleMailMessage();
    message.setFrom(properties.mailFrom());
    message.setTo(to.getAddress());
    message.setSubject(subject);
    message.setText(text);
    try {
      sender.send(message);
      log.info("Intake email ({}) sent to provider {}", subject, provider.id());
    } catch (MailParseException | MailPreparationException | MailAuthenticationException e) {
      throw new ProviderRejectedException(
          "The intake email for referral "
              + referralId
              + " to provider "
              + provider.id()
              + " cannot be sent: "
              + e.getClass().getSimpleName(),
          null);
    } catch (MailException e) {
      // The server down, a timeout, a temporary refusal: the core retries with backoff.
      throw new ProviderUnavailableException(
          "The intake email for referral "
              + referralId
              + " to provider "
              + provider.id()
              + " was not sent: "
              + e.getClass().getSimpleName(),
          null);
    }
  }
}
