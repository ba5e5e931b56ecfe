/**
 * What happens before a controller runs: every {@code /api/**} call is authenticated as an agency
 * (API key or OAuth2 JWT), and is refused early when it is too large or comes too often. Refusals
 * are problem details; controllers get the agency id from {@code Authentication.getName()}.
 */
package org.referralexchange.gateway.security;
