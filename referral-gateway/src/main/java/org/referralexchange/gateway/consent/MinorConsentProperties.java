package org.referralexchange.gateway.consent;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * When a minor's own signature holds ({@code gateway.minor-consent}): 42 CFR 2.14 defers to state
 * law on whether a minor may consent to substance-use-disorder treatment, and where one may, only
 * the minor signs a Part 2 consent. An agency works under one state's law, so the rule is set once
 * and may be replaced per agency.
 *
 * @param defaults the rule for every agency not listed under {@code agencies}
 * @param agencies the rule of an agency whose state differs, by agency id
 */
@Validated
@ConfigurationProperties("gateway.minor-consent")
public record MinorConsentProperties(
    @NotNull @Valid Rule defaults, Map<String, @Valid Rule> agencies) {

  public MinorConsentProperties {
    defaults = defaults == null ? new Rule(18, 12, false) : defaults;
    agencies = agencies == null ? Map.of() : Map.copyOf(agencies);
  }

  /** The rule for this agency. */
  public Rule forAgency(String agencyId) {
    return agencies.getOrDefault(agencyId, defaults);
  }

  /**
   * One state's rule.
   *
   * @param ageOfMajority a client younger than this is a minor
   * @param minimumAge the youngest age at which state law lets a minor consent to substance-use-
   *     disorder treatment on their own (used only when {@code part2MinorMaySign})
   * @param part2MinorMaySign whether a minor of at least {@code minimumAge} signs a Part 2 consent
   *     alone (42 CFR 2.14(a)); when false a parent or guardian signs (2.14(b))
   */
  public record Rule(
      @Min(1) @Max(25) int ageOfMajority,
      @Min(0) @Max(25) int minimumAge,
      boolean part2MinorMaySign) {

    /** Whether a client of this age (null: not given) is a minor. */
    public boolean isMinor(Integer age) {
      return age != null && age < ageOfMajority;
    }

    /** Whether a minor of this age signs a Part 2 consent alone. */
    public boolean minorSignsPart2Alone(int age) {
      return part2MinorMaySign && age >= minimumAge;
    }
  }
}
