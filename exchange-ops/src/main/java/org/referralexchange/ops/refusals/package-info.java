/**
 * {@code refusals}: what providers reported that the lifecycle refused, listed from the topic the
 * adapter writes once per report, so an operator sees each without searching logs.
 */
package org.referralexchange.ops.refusals;
