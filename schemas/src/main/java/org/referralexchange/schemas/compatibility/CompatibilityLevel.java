package org.referralexchange.schemas.compatibility;

/**
 * Confluent Schema Registry's compatibility levels. "Backward" means the new schema can read data
 * written with an earlier one (consumers upgrade first); "forward" means earlier schemas can read
 * data written with the new one (producers upgrade first); "full" is both. Transitive levels check
 * against every earlier version, the others against the latest only.
 */
public enum CompatibilityLevel {
  NONE(false, false, false),
  BACKWARD(true, false, false),
  BACKWARD_TRANSITIVE(true, false, true),
  FORWARD(false, true, false),
  FORWARD_TRANSITIVE(false, true, true),
  FULL(true, true, false),
  FULL_TRANSITIVE(true, true, true);

  private final boolean newReadsOld;
  private final boolean oldReadsNew;
  private final boolean transitive;

  CompatibilityLevel(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
    this.newReadsOld = newReadsOld;
    this.oldReadsNew = oldReadsNew;
    this.transitive = transitive;
  }

  /** The new schema must read data written with earlier ones. */
  public boolean newReadsOld() {
    return newReadsOld;
  }

  /** Earlier schemas must read data written with the new one. */
  public boolean oldReadsNew() {
    return oldReadsNew;
  }

  /** Checked against every earlier version, not only the latest. */
  public boolean transitive() {
    return transitive;
  }

  /**
   * Parses a level name as Confluent spells it, case-insensitively.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static CompatibilityLevel parse(String name) {
    if (name != null) {
      for (CompatibilityLevel level : values()) {
        if (level.name().equalsIgnoreCase(name.trim())) {
          return level;
        }
      }
    }
    throw new IllegalArgumentException(
        "Unknown compatibility level '"
            + name
            + "'; expected one of "
            + java.util.Arrays.toString(values()));
  }
}
