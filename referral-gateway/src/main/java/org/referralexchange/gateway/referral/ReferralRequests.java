package org.referralexchange.gateway.referral;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.referralexchange.events.v1.InformationCategory;
import org.referralexchange.events.v1.NotificationChannel;
import org.referralexchange.events.v1.Priority;

/**
 * What agencies send to submit and cancel referrals (public: the benchmarks' minimal endpoint
 * validates the very same records). Only these fields are accepted: ids, statuses, consent
 * verification and timestamps are the exchange's to set, and a body that tries is refused naming
 * the field.
 */
public final class ReferralRequests {

  private static final String E164 = "\\+[1-9][0-9]{6,14}";
  private static final String CODE = "[A-Za-z0-9._:/-]{1,128}";

  private ReferralRequests() {}

  /**
   * A referral to submit.
   *
   * <p>{@code respondBy}: when the provider should have answered; optional. Without it the
   * provider's own response window applies, counted in its business hours.
   *
   * <p>{@code needs} may be left out: need codes are SOCIAL_NEEDS information, and a referral whose
   * consent does not cover it carries the target service alone ({@link ReferralContent}).
   */
  @Schema(name = "ReferralSubmission")
  public record Submit(
      @NotNull @Valid Target target,
      @Size(max = 20) List<@NotNull @Valid NeedCode> needs,
      @Valid Narrative narrative,
      Priority priority,
      Instant respondBy,
      @NotNull @Valid ConsentUse consent,
      @NotNull @Valid Client client,
      @NotNull @Valid CaseManager caseManager,
      // Required in fact: Jackson 3 refuses an absent primitive (400 malformed-request), so the
      // contract says so rather than let a generated client leave it out.
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) boolean contactingSubjectProhibited) {}

  @Schema(name = "ReferralTarget")
  public record Target(
      @NotBlank @Pattern(regexp = CODE) String providerId,
      @NotBlank @Pattern(regexp = CODE) String serviceId) {}

  public record NeedCode(
      @NotBlank @Size(max = 300) String system,
      @NotBlank @Pattern(regexp = CODE) String code,
      @Size(max = 200) String display) {}

  public record Narrative(
      @Size(max = 4000) String needsDescription,
      @Size(max = 20) List<@NotBlank @Size(max = 500) String> goals,
      @Size(max = 4000) String notes) {}

  /**
   * The consent the referral relies on and what the referral discloses under it.
   *
   * @param narrativeCategories the categories the narrative contains; left out, it may contain any
   *     sensitive category, and goes only under a consent (and a declaration) covering them all
   */
  public record ConsentUse(
      @NotBlank @Size(max = 64) String consentId,
      @NotEmpty List<@NotNull InformationCategory> informationCategories,
      @NotBlank @Pattern(regexp = "[A-Z]{2,12}", message = "must be an HL7 v3 PurposeOfUse code")
          String purpose,
      @Size(min = 1, max = 6) List<@NotNull InformationCategory> narrativeCategories) {}

  /**
   * The client. Only {@code clientId} is required (it becomes the pseudonym); every other field is
   * disclosed only when the consent covers its category, so a referral under a consent without
   * DEMOGRAPHICS leaves the names out.
   */
  public record Client(
      @NotBlank @Size(max = 128) String clientId,
      @Size(max = 200) String givenName,
      @Size(max = 200) String familyName,
      LocalDate birthDate,
      @Pattern(regexp = E164, message = "must be an E.164 number") String phone,
      @Email @Size(max = 254) String email,
      @Valid Address address,
      @Size(max = 10) List<@NotNull @Valid Identifier> identifiers,
      @Size(max = 35) String preferredLanguage) {}

  public record Address(
      @Size(max = 4) List<@NotBlank @Size(max = 200) String> lines,
      @Size(max = 100) String city,
      @Size(max = 50) String state,
      @Size(max = 20) String postalCode,
      @Size(max = 2) String country) {}

  public record Identifier(
      @NotBlank @Size(max = 300) String system, @NotBlank @Size(max = 100) String value) {}

  public record CaseManager(
      @NotBlank @Size(max = 64) String id,
      @NotBlank @Size(max = 200) String name,
      @NotBlank @Email @Size(max = 254) String email,
      @Pattern(regexp = E164, message = "must be an E.164 number") String mobile,
      @NotEmpty List<@NotNull NotificationChannel> preferredChannels,
      @NotBlank String timeZone) {

    @AssertTrue(message = "timeZone must be an IANA time zone such as America/Chicago")
    boolean isTimeZoneValid() {
      try {
        return timeZone == null || ZoneId.of(timeZone) != null;
      } catch (DateTimeException e) {
        return false;
      }
    }

    @AssertTrue(message = "SMS needs a mobile number")
    boolean isSmsReachable() {
      return preferredChannels == null
          || !preferredChannels.contains(NotificationChannel.SMS)
          || (mobile != null && !mobile.isBlank());
    }
  }

  /** The referring agency withdraws the referral. */
  @Schema(name = "ReferralCancellation")
  public record Cancel(
      @NotBlank @Pattern(regexp = CODE) String reasonCode, @Size(max = 500) String reasonText) {}
}
