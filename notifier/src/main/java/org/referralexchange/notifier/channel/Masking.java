package org.referralexchange.notifier.channel;

/** Addresses as log lines may show them: enough to tell two apart, not enough to use one. */
public final class Masking {

  private Masking() {}

  /** {@code cm42@county.example} becomes {@code c***@county.example}. */
  public static String email(String address) {
    if (address == null || address.isBlank()) {
      return "-";
    }
    int at = address.lastIndexOf('@');
    if (at <= 0) {
      return "***";
    }
    return address.charAt(0) + "***" + address.substring(at);
  }

  /** {@code +15555550142} becomes {@code ***0142}. */
  public static String phone(String number) {
    if (number == null || number.length() < 4) {
      return "***";
    }
    return "***" + number.substring(number.length() - 4);
  }
}
