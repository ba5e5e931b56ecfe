/**
 * The providers referrals may go to, read from {@code provider.directory} (filled by the adapters
 * from their configuration), never configured in the gateway.
 */
package org.referralexchange.gateway.directory;
