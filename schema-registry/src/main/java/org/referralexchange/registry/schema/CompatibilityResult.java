package org.referralexchange.registry.schema;

import java.util.List;

/**
 * The outcome of a compatibility test.
 *
 * @param messages one line per problem, naming the record and the field
 */
public record CompatibilityResult(boolean compatible, List<String> messages) {}
