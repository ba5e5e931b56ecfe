/**
 * What the services' integration tests share: real infrastructure started once per test JVM, and
 * ways to put events on topics and read them back as a consumer would, raw or decoded.
 */
package org.referralexchange.testing;
