/**
 * Realistic sample events for tests, benchmarks and the local demo. No real person's data: the
 * encrypted fields hold random bytes standing in for ciphertext.
 */
package org.referralexchange.schemas.samples;
