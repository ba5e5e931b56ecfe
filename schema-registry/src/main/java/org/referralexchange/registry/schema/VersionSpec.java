package org.referralexchange.registry.schema;

/**
 * A version as a path gives it: a number from 1 to 2^31-1, or {@code latest} (also {@code -1}).
 *
 * @param number the version, or 0 for latest
 */
public record VersionSpec(int number) {

  public static final VersionSpec LATEST = new VersionSpec(0);

  /**
   * @throws RegistryException 42202 for anything else
   */
  public static VersionSpec parse(String text) {
    if ("latest".equalsIgnoreCase(text) || "-1".equals(text)) {
      return LATEST;
    }
    try {
      int number = Integer.parseInt(text);
      if (number >= 1) {
        return new VersionSpec(number);
      }
    } catch (NumberFormatException notANumber) {
      // falls through to the error
    }
    throw RegistryException.invalidVersion(text);
  }

  public boolean latest() {
    return number == 0;
  }
}
