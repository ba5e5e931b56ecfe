/**
 * The gateway's typed configuration: which agencies may call it, which providers exist, the limits
 * that protect it and the keys it encrypts with. Bound and validated at start-up.
 */
package org.referralexchange.gateway.config;
