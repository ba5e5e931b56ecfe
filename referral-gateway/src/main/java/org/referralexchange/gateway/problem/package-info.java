/**
 * How the gateway says no: RFC 9457 problem details with a stable {@code type} per failure, never a
 * stack trace, and never a change made for a refused request.
 */
package org.referralexchange.gateway.problem;
