/**
 * The adapter's part of the provider directory: it lists the providers its configuration serves on
 * {@code provider.directory}, the one list the gateway and the notifier read.
 */
package org.referralexchange.adapter.directory;
