/**
 * Getting referrals into providers' systems and their answers back: consent re-checked, client data
 * opened and cut to the provider's allow-list, delivery retried per provider, withdrawals, polling,
 * and every provider status checked against the lifecycle before it is published.
 */
package org.referralexchange.adapter.delivery;
