package org.referralexchange.policy;

import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.referralexchange.events.v1.InformationCategory;

/**
 * What a consent lets a referral carry: each information category covers named fields, and only
 * covered fields are disclosed (HIPAA minimum necessary, 45 CFR 164.502(b) and 164.514(d); the
 * consent's description of the information, 164.508(c)(1)(i); 42 CFR 2.31(a)(3) and 2.13(a)).
 *
 * <p>Field names are the providers' allow-list names. {@link #DEMOGRAPHICS} also covers the
 * client's identifiers and preferred language: both identify the client, and USCDI counts preferred
 * language as demographics. {@code HEALTH_CONDITIONS}, {@code MENTAL_HEALTH} and {@code
 * SUBSTANCE_USE_DISORDER} cover no structured field: the exchange carries them only as free text.
 *
 * <p>The narrative is free text, so nothing but the referring agency's word says what it holds: a
 * referral may declare the categories its narrative contains, and the narrative goes only when the
 * consent covers every one of them. Undeclared, it may hold any of {@link #UNDECLARED_NARRATIVE},
 * and goes only under a consent covering all of those.
 */
public final class ContentPolicy {

  /** The policy's name: the gateway's problem type and the reason the adapter withholds by. */
  public static final String NAME = "consent-does-not-cover-fields";

  public static final String GIVEN_NAME = "givenName";
  public static final String FAMILY_NAME = "familyName";
  public static final String BIRTH_DATE = "birthDate";
  public static final String IDENTIFIERS = "identifiers";
  public static final String PREFERRED_LANGUAGE = "preferredLanguage";
  public static final String PHONE = "phone";
  public static final String EMAIL = "email";
  public static final String ADDRESS = "address";
  public static final String NEEDS = "needs";
  public static final String NARRATIVE = "narrative";

  /** The parts an allow-list may name instead of the whole {@link #ADDRESS}. */
  public static final Set<String> ADDRESS_PARTS =
      Set.of("addressLines", "city", "state", "postalCode");

  private static final Set<String> DEMOGRAPHICS =
      Set.of(GIVEN_NAME, FAMILY_NAME, BIRTH_DATE, IDENTIFIERS, PREFERRED_LANGUAGE);

  /** The structured fields each category covers. */
  public static final Map<InformationCategory, Set<String>> FIELDS = fields();

  /** What an undeclared narrative may contain: every category free text about needs can touch. */
  public static final Set<InformationCategory> UNDECLARED_NARRATIVE =
      Set.copyOf(
          EnumSet.of(
              InformationCategory.SOCIAL_NEEDS,
              InformationCategory.HEALTH_CONDITIONS,
              InformationCategory.MENTAL_HEALTH,
              InformationCategory.SUBSTANCE_USE_DISORDER));

  private ContentPolicy() {}

  private static Map<InformationCategory, Set<String>> fields() {
    Map<InformationCategory, Set<String>> fields = new EnumMap<>(InformationCategory.class);
    for (InformationCategory category : InformationCategory.values()) {
      fields.put(category, Set.of());
    }
    fields.put(InformationCategory.DEMOGRAPHICS, DEMOGRAPHICS);
    fields.put(InformationCategory.CONTACT_DETAILS, Set.of(PHONE, EMAIL, ADDRESS));
    fields.put(InformationCategory.SOCIAL_NEEDS, Set.of(NEEDS));
    return Map.copyOf(fields);
  }

  /**
   * The categories a narrative may contain.
   *
   * @param declared what the referral declared, empty when it declared nothing
   */
  public static Set<InformationCategory> narrativeCategories(
      Optional<? extends Collection<InformationCategory>> declared) {
    return declared.<Set<InformationCategory>>map(Set::copyOf).orElse(UNDECLARED_NARRATIVE);
  }

  /**
   * The fields a referral may carry when these categories are covered.
   *
   * @param covered the categories the consent covers (and the referral declared)
   * @param narrativeDeclared the categories the referral declared for its narrative, if it did
   */
  public static Set<String> coveredFields(
      Collection<InformationCategory> covered,
      Optional<? extends Collection<InformationCategory>> narrativeDeclared) {
    Set<String> fields = new TreeSet<>();
    for (InformationCategory category : covered) {
      fields.addAll(FIELDS.get(category));
    }
    if (covered.containsAll(narrativeCategories(narrativeDeclared))) {
      fields.add(NARRATIVE);
    }
    return Set.copyOf(fields);
  }

  /** Whether a field name (an allow-list name, address parts included) is in {@code fields}. */
  public static boolean covers(Set<String> fields, String field) {
    return fields.contains(field) || (ADDRESS_PARTS.contains(field) && fields.contains(ADDRESS));
  }

  /** The carried fields these categories do not cover, sorted. */
  public static List<String> uncovered(
      Collection<String> carried,
      Collection<InformationCategory> covered,
      Optional<? extends Collection<InformationCategory>> narrativeDeclared) {
    Set<String> allowed = coveredFields(covered, narrativeDeclared);
    return carried.stream().filter(f -> !covers(allowed, f)).sorted().distinct().toList();
  }

  /** Allowed when every carried field is covered; else rejected naming the fields, never values. */
  public static PolicyDecision check(
      Collection<String> carried,
      Collection<InformationCategory> covered,
      Optional<? extends Collection<InformationCategory>> narrativeDeclared) {
    List<String> missing = uncovered(carried, covered, narrativeDeclared);
    return missing.isEmpty()
        ? PolicyDecision.allowed()
        : PolicyDecision.rejected(
            NAME, "the referral carries fields its consent does not cover: " + missing);
  }
}
