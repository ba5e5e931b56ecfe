package org.referralexchange.ops.cli;

/** The command line is wrong: the tool prints why and its usage, and exits with status 2. */
public class UsageException extends RuntimeException {

  public UsageException(String message) {
    super(message);
  }
}
