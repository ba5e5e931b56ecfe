package org.referralexchange.kafka;

import org.referralexchange.serde.AvroSerdeException;

/**
 * The schema registry answered and refused one of our topic schemas (409: incompatible with what
 * the subject holds under its compatibility level; 422: invalid). Unlike an unreachable registry
 * this does not pass by waiting, so start-up fails with it instead of staying unready forever.
 */
public class SchemaRegistrationRefusedException extends IllegalStateException {

  private final String subject;

  public SchemaRegistrationRefusedException(
      String subject, AvroSerdeException.RegistryRefused refused) {
    super(
        "The schema registry refused our schema for subject "
            + subject
            + (refused.status() == 409
                ? " as incompatible with the versions it holds under its compatibility level"
                : "")
            + ": "
            + refused.getMessage(),
        refused);
    this.subject = subject;
  }

  /** The subject whose schema was refused. */
  public String subject() {
    return subject;
  }
}
