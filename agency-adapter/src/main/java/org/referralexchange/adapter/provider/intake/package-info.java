/**
 * The email-intake provider kind, for providers with no system of their own: an email with a
 * signed, expiring link instead of a delivery, and server-rendered pages where the provider reads
 * what its allow-list and the consent let it see and answers through the same lifecycle.
 */
package org.referralexchange.adapter.provider.intake;
