/**
 * Keeping client data out of the log: pseudonyms instead of client ids, keyed fingerprints instead
 * of request bodies, and envelope encryption of whatever identifies a client.
 */
package org.referralexchange.gateway.privacy;
