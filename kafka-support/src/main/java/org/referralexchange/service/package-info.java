/**
 * What every service needs from Spring Boot beyond Kafka: its own configuration file name, so the
 * services can share one JVM (local launcher, end-to-end test) without reading each other's.
 */
package org.referralexchange.service;
