package org.referralexchange.policy;

import org.referralexchange.events.v1.ConsentReference;
import org.referralexchange.events.v1.InformationCategory;

/**
 * Whether a provider's answers about a referral (status, reasons, outcome) may reach the referring
 * agency in full. A referral that carries SUBSTANCE_USE_DISORDER information is a Part 2 referral:
 * what its provider answers says whether the client is, or was, its patient, which is Part 2
 * information disclosed back to the referrer, so it needs the consent's permission (42 CFR 2.31,
 * with the 2.32 notice the consent carries). Without it the referrer learns only that the provider
 * answered ({@link #WITHHELD_STATUS}), never which answer, why, or the outcome.
 */
public final class ReturnDisclosure {

  /** What the referrer is shown instead of a withheld provider status. */
  public static final String WITHHELD_STATUS = "ANSWERED";

  private ReturnDisclosure() {}

  /** Whether the provider's answers reach the referrer in full under this referral's consent. */
  public static boolean allowed(ConsentReference consent) {
    return !consent.getInformationCategories().contains(InformationCategory.SUBSTANCE_USE_DISORDER)
        || consent.getReturnDisclosureAllowed();
  }
}
