/**
 * SMS through Twilio's Java SDK, switched on by {@code notifier.twilio.enabled}. Adding another SMS
 * provider is one package like this one with its own {@code SmsSender} and condition.
 */
package org.referralexchange.notifier.channel.twilio;
