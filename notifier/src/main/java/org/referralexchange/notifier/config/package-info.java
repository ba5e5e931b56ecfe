/** The notifier's typed configuration, validated at start-up. */
package org.referralexchange.notifier.config;
