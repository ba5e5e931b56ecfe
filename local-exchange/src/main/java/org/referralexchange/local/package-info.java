/**
 * The "run on embedded defaults" launcher: starts a real Kafka broker as a child process, then the
 * stand-in schema registry, the gateway, the adapter, the notifier, the demo providers and the mail
 * and SMS catchers in-process, and keeps them up until Ctrl-C. Each part is a {@link
 * org.referralexchange.local.LocalComponent}, started in order and stopped in reverse.
 */
package org.referralexchange.local;
