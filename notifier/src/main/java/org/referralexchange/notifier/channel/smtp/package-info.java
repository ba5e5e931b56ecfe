/** Email over SMTP with Spring Boot's mail support; the default email plug-in. */
package org.referralexchange.notifier.channel.smtp;
