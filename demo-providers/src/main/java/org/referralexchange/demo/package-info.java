/**
 * Demo providers for the local launcher and end-to-end tests: each answers the exchange's referrals
 * by itself, as {@link org.referralexchange.demo.DemoAnswers} decides from the narrative.
 */
package org.referralexchange.demo;
