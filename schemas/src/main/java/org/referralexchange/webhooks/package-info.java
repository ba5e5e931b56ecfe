/**
 * Standard Webhooks signatures, the exchange's contract with webhook providers: one implementation
 * for the adapter (signs deliveries, verifies callbacks) and the demo provider (the other side).
 */
package org.referralexchange.webhooks;
