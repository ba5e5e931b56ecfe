/**
 * Checks a service's OpenAPI document with tools nobody here wrote: swagger-parser in the JVM and
 * Redocly's CLI from npm, so the partners' contract is judged by what their tooling will read.
 */
package org.referralexchange.testing.openapi;
