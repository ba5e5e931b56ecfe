package org.referralexchange.registry;

/** Avro schemas for the tests, built around one record so that evolutions are easy to read. */
public final class Schemas {

  private Schemas() {}

  /** A record {@code org.example.<name>} with the given field definitions (JSON objects). */
  public static String record(String name, String... fields) {
    return "{\"type\":\"record\",\"name\":\""
        + name
        + "\",\"namespace\":\"org.example\",\"fields\":["
        + String.join(",", fields)
        + "]}";
  }

  public static String field(String name, String type) {
    return "{\"name\":\"" + name + "\",\"type\":\"" + type + "\"}";
  }

  public static String fieldWithDefault(String name, String type, String defaultJson) {
    return "{\"name\":\"" + name + "\",\"type\":\"" + type + "\",\"default\":" + defaultJson + "}";
  }

  /** Payment v1: id and amount. */
  public static String payment() {
    return record("Payment", field("id", "string"), field("amount", "double"));
  }

  /** Payment plus a currency without a default: backward-incompatible, forward-compatible. */
  public static String paymentWithRequiredCurrency() {
    return record(
        "Payment", field("id", "string"), field("amount", "double"), field("currency", "string"));
  }

  /** Payment plus a currency with a default: compatible both ways. */
  public static String paymentWithOptionalCurrency() {
    return record(
        "Payment",
        field("id", "string"),
        field("amount", "double"),
        fieldWithDefault("currency", "string", "\"EUR\""));
  }

  /** Payment without its amount: backward-compatible, forward-incompatible. */
  public static String paymentWithoutAmount() {
    return record("Payment", field("id", "string"));
  }
}
