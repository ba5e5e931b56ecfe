/**
 * The exchange's contract in one place: every topic with its key, value type and settings. The
 * generated event classes live in {@code org.referralexchange.events.v1}.
 */
package org.referralexchange.schemas;
