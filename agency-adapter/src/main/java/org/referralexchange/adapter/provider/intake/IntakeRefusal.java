package org.referralexchange.adapter.provider.intake;

import java.net.URI;
import org.springframework.http.HttpStatus;

/**
 * Why an intake page or action was refused, each with a stable problem type for clients that ask
 * for JSON and a plain sentence for people. None says more than it must: a forged link learns
 * nothing about which referrals exist.
 */
enum IntakeRefusal {
  EXPIRED(
      HttpStatus.GONE,
      "intake-link-expired",
      "This link has expired",
      "Links in our emails work for a limited time. A reminder email brings a new link; or ask the"
          + " referring agency to contact you."),
  USED(
      HttpStatus.CONFLICT,
      "intake-link-used",
      "This answer was already given",
      "Each answer can be given once through a link, and this one was. Open the link again to see"
          + " where the referral stands."),
  FORGED(
      HttpStatus.NOT_FOUND,
      "intake-link-invalid",
      "This link is not valid",
      "The link may have been cut short or changed. Open it again from the email, whole."),
  FOREIGN(
      HttpStatus.FORBIDDEN,
      "intake-link-foreign",
      "This link does not open this referral",
      "A link opens only the one referral it was sent for. Open the link from that referral's"
          + " email."),
  FORM_EXPIRED(
      HttpStatus.FORBIDDEN,
      "intake-form-invalid",
      "This form could not be accepted",
      "The form was sent from somewhere else or is too old. Open the link again and answer from"
          + " the page."),
  INVALID_INPUT(
      HttpStatus.BAD_REQUEST,
      "intake-input-invalid",
      "Something in the form needs changing",
      "Nothing was recorded."),
  NOT_POSSIBLE(
      HttpStatus.CONFLICT,
      "intake-transition-refused",
      "This step is not possible now",
      "Nothing was recorded. Open the link again to see where the referral stands."),
  UNAVAILABLE(
      HttpStatus.SERVICE_UNAVAILABLE,
      "intake-unavailable",
      "Please try again in a minute",
      "The exchange cannot show or record this right now. Nothing was recorded.");

  final HttpStatus status;
  final URI type;
  final String title;
  final String advice;

  IntakeRefusal(HttpStatus status, String type, String title, String advice) {
    this.status = status;
    this.type = URI.create("/problems/" + type);
    this.title = title;
    this.advice = advice;
  }
}
