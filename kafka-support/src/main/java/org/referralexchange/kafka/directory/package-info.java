/**
 * The provider directory as every service reads it: what the adapters list on {@code
 * provider.directory}, one entry per provider. Adapters' configuration is its one source.
 */
package org.referralexchange.kafka.directory;
