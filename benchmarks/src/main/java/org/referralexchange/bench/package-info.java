/**
 * JMH benchmarks of the exchange's hot paths, each measured against a plain baseline in the same
 * run, and {@link org.referralexchange.bench.RatioTable} to turn JMH's JSON into ratios.
 */
package org.referralexchange.bench;
