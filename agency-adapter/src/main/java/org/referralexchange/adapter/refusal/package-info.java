/**
 * Provider reports the lifecycle refused, made visible once: one {@code ProviderReportRefused} per
 * referral and version of the provider's record, a metric and one log line, remembered from the
 * log.
 */
package org.referralexchange.adapter.refusal;
