/**
 * The adapter's typed configuration: the provider registry (kind, endpoint, credentials,
 * minimum-necessary field allow-list, business hours, response clock), bound and validated at
 * start-up, and the directory that pairs each provider with its adapter.
 */
package org.referralexchange.adapter.config;
