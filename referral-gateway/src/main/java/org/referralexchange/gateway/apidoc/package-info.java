/**
 * The API's OpenAPI document, the partners' contract: title, version, security schemes, every
 * problem an operation can answer (from the problem catalogue) and examples, built from the code.
 */
package org.referralexchange.gateway.apidoc;
