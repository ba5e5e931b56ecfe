/**
 * Sending notifications once per source event and channel: the record of what was already told
 * ({@code notifications} topic), the worker that sends what is not, and the dead letters.
 */
package org.referralexchange.notifier.notification;
