/**
 * A demo provider that takes Standard Webhooks from the exchange's {@code webhook} kind and answers
 * with signed status callbacks.
 */
package org.referralexchange.demo.webhook;
