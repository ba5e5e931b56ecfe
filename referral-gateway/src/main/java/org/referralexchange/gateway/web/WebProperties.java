package org.referralexchange.gateway.web;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The case manager's pages, under {@code gateway.web.*}.
 *
 * @param agencyClaim the ID token claim naming the staff member's agency; the same claim the API's
 *     bearer tokens carry ({@code agency_id}), so one identity provider set-up serves both
 * @param userIdClaim the ID token claim holding the staff member's id as the agency's systems name
 *     case managers on referrals ({@code caseManager.id}): the "mine" filter compares the two
 * @param demoSignIn a sign-in without identity provider for the demo agencies; off unless the local
 *     run turns it on
 */
@Validated
@ConfigurationProperties("gateway.web")
public record WebProperties(
    @NotBlank String agencyClaim, @NotBlank String userIdClaim, @Valid DemoSignIn demoSignIn) {

  public WebProperties {
    agencyClaim = agencyClaim == null ? "agency_id" : agencyClaim;
    userIdClaim = userIdClaim == null ? "preferred_username" : userIdClaim;
    demoSignIn = demoSignIn == null ? new DemoSignIn(false, List.of()) : demoSignIn;
  }

  /**
   * @param enabled whether {@code /sign-in} offers the demo staff (default false)
   * @param staff who may be chosen, each of a configured agency
   */
  public record DemoSignIn(boolean enabled, List<@Valid DemoStaff> staff) {
    public DemoSignIn {
      staff = staff == null ? List.of() : List.copyOf(staff);
    }

    Optional<DemoStaff> find(String id) {
      return staff.stream().filter(s -> s.id().equals(id)).findFirst();
    }
  }

  /** A demo case manager: the id the demo's referrals name, a display name, the agency. */
  public record DemoStaff(@NotBlank String id, @NotBlank String name, @NotBlank String agencyId) {}
}
