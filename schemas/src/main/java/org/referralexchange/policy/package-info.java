/**
 * The exchange's business rules as small named policies over the event contracts: who may move a
 * referral to which status, and whether a consent covers a disclosure. Plain Java, no Spring or
 * Kafka, so the gateway and the adapter apply exactly the same rules.
 */
package org.referralexchange.policy;
