package org.referralexchange.policy;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.referralexchange.events.v1.ConsentDetails;
import org.referralexchange.events.v1.InformationCategory;

/**
 * Everything the consent policies look at for one disclosure.
 *
 * @param consent the consent the referral names, if the exchange knows it
 * @param revoked whether that consent has been revoked
 * @param now the time of the disclosure
 * @param disclosingAgencyId the agency that wants to disclose
 * @param clientPseudonym the client the referral is about
 * @param recipientProviderId the provider that would receive the information
 * @param recipientServiceCategories the HSDS service categories the recipient provides
 * @param categories the information categories the referral would disclose
 * @param purpose the purpose of use (HL7 v3 PurposeOfUse code)
 * @param recipientTreats whether the recipient treats clients (its directory entry's {@code
 *     treatingProvider}): only such a provider belongs to a Part 2 class of recipients
 */
public record ConsentCheck(
    Optional<ConsentDetails> consent,
    boolean revoked,
    Instant now,
    String disclosingAgencyId,
    String clientPseudonym,
    String recipientProviderId,
    Set<String> recipientServiceCategories,
    Set<InformationCategory> categories,
    String purpose,
    boolean recipientTreats) {

  /** A check for a recipient that does not treat clients. */
  public ConsentCheck(
      Optional<ConsentDetails> consent,
      boolean revoked,
      Instant now,
      String disclosingAgencyId,
      String clientPseudonym,
      String recipientProviderId,
      Set<String> recipientServiceCategories,
      Set<InformationCategory> categories,
      String purpose) {
    this(
        consent,
        revoked,
        now,
        disclosingAgencyId,
        clientPseudonym,
        recipientProviderId,
        recipientServiceCategories,
        categories,
        purpose,
        false);
  }

  public ConsentCheck {
    recipientServiceCategories = Set.copyOf(recipientServiceCategories);
    categories = Set.copyOf(categories);
  }
}
