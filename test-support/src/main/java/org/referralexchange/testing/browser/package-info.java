/**
 * Browser tests: a real headless Chromium driven by WebDriver ({@link RealBrowser}), and axe-core
 * run in the page ({@link AxeCore}). Where Chromium, its driver or npm is missing, tests skip and
 * say which.
 */
package org.referralexchange.testing.browser;
