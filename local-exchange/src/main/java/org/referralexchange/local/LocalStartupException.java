package org.referralexchange.local;

/** A component could not start; the message says why and where to look. */
final class LocalStartupException extends RuntimeException {

  LocalStartupException(String message) {
    super(message);
  }

  LocalStartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
