/**
 * What a notification says, rendered from Thymeleaf templates and message texts: references,
 * provider, status, reason or outcome, and a link; never client data.
 */
package org.referralexchange.notifier.message;
