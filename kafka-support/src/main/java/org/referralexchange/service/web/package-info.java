/**
 * The HTTP side every service shares: what embedded Tomcat refuses before any servlet runs (a
 * {@code %00} or encoded slash in the path, an oversized header) is answered as a problem detail,
 * like every other refusal, instead of Tomcat's HTML page naming its version.
 */
package org.referralexchange.service.web;
