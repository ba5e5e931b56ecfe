/**
 * Schema evolution rules, in Confluent Schema Registry's terms (NONE, BACKWARD, FORWARD, FULL and
 * their transitive forms), shared by the build's compatibility gate and the stand-in registry.
 */
package org.referralexchange.schemas.compatibility;
