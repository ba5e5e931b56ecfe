package org.referralexchange.adapter.provider;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What accompanies every delivery of substance-use-disorder (42 CFR Part 2) information: the notice
 * of 42 CFR 2.32(a) and an explanation of the consent's scope (2.32(b)). Each provider kind carries
 * both with the referral and marks it as Part 2. Neither holds client data.
 *
 * @param notice the 2.32(a) statement, in the short form 2.32(a)(2) allows
 * @param scope what the client consented to
 */
public record Part2Disclosure(String notice, Scope scope) {

  /** 42 CFR 2.32(a)(2), "Statement 2", as amended in 2024. */
  public static final String NOTICE =
      "42 CFR part 2 prohibits unauthorized use or disclosure of these records.";

  /** A disclosure with the 2.32(a)(2) notice. */
  public static Part2Disclosure of(Scope scope) {
    return new Part2Disclosure(NOTICE, scope);
  }

  /**
   * The scope of the consent a disclosure relies on.
   *
   * @param consentId the exchange's consent id
   * @param recipientProviderIds the providers it names
   * @param recipientServiceCategories the class of recipients it describes, if any
   * @param intermediaryId the intermediary it names, or null
   * @param intermediaryName that intermediary's name, or null
   * @param informationCategories what information it covers
   * @param purpose the purpose of use (HL7 v3 PurposeOfUse code)
   * @param expiresAt when it expires, or null when it ends on an event
   * @param expiryEvent the event it ends on, or null
   */
  public record Scope(
      String consentId,
      List<String> recipientProviderIds,
      List<String> recipientServiceCategories,
      String intermediaryId,
      String intermediaryName,
      List<String> informationCategories,
      String purpose,
      Instant expiresAt,
      String expiryEvent) {

    public Scope {
      recipientProviderIds = List.copyOf(recipientProviderIds);
      recipientServiceCategories = List.copyOf(recipientServiceCategories);
      informationCategories = List.copyOf(informationCategories);
    }

    /** The scope in one sentence, for a reader of the provider's record. */
    public String summary() {
      List<String> recipients = new ArrayList<>();
      if (!recipientProviderIds.isEmpty()) {
        recipients.add("providers " + String.join(", ", recipientProviderIds));
      }
      if (!recipientServiceCategories.isEmpty()) {
        recipients.add(
            (intermediaryName == null
                    ? ""
                    : "through " + intermediaryName + " (" + intermediaryId + "), ")
                + "treating providers of "
                + String.join(", ", recipientServiceCategories));
      }
      String ends = expiresAt != null ? "expires " + expiresAt : "ends on: " + expiryEvent;
      return "Disclosed under consent "
          + consentId
          + ". Recipients: "
          + String.join("; ", recipients)
          + ". Information: "
          + String.join(", ", informationCategories)
          + ". Purpose: "
          + purpose
          + ". The consent "
          + ends
          + ".";
    }
  }
}
