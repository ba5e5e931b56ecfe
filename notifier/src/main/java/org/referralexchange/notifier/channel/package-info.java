/**
 * The channels a case manager hears back on: one interface per plug-in ({@link
 * org.referralexchange.notifier.channel.EmailSender}, {@link
 * org.referralexchange.notifier.channel.SmsSender}), one package per implementation.
 */
package org.referralexchange.notifier.channel;
