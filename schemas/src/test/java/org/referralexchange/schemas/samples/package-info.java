/**
 * Realistic sample events for tests and benchmarks, shared as the schemas test jar (samples only),
 * so the production jar carries none. No real person's data: the encrypted fields hold random bytes
 * standing in for ciphertext.
 */
package org.referralexchange.schemas.samples;
