/**
 * The provider callback API's OpenAPI document, the contract for providers' systems: the calls they
 * make back to the exchange, how each is authenticated, and every problem each can answer.
 */
package org.referralexchange.adapter.apidoc;
