package org.referralexchange.schemas.compatibility;

/**
 * One reason why two schema versions are incompatible, said in words a schema author can act on.
 *
 * @param record full name of the record whose evolution broke
 * @param field dotted path of the field inside that record, or empty when the record itself broke
 * @param direction which side could not read which, e.g. "new reader cannot read version 1"
 * @param problem Avro's incompatibility type and message
 */
public record Incompatibility(String record, String field, String direction, String problem) {

  /** A one-line description that names the record and the field. */
  public String describe() {
    String where = field.isEmpty() ? record : record + " field '" + field + "'";
    return where + ": " + direction + ": " + problem;
  }

  @Override
  public String toString() {
    return describe();
  }
}
