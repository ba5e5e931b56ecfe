/**
 * Confluent Schema Registry's rules for subjects, versions, ids, compatibility levels and deletes,
 * with Confluent's error codes. Compatibility is decided by the {@code schemas} module's checker,
 * the same one the build's gate uses.
 */
package org.referralexchange.registry.schema;
