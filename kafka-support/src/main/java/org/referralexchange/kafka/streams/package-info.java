/**
 * The Kafka Streams foundation every service moves its state onto. A service that puts
 * {@code @EnableKafkaStreams} on a configuration and declares its topology on the {@code
 * StreamsBuilder} gets, with no more set-up: exactly_once_v2, its state dir and standby count
 * ({@code exchange.streams.*}), Boot's {@code spring.kafka.*} connection and SASL settings,
 * undecodable records dead-lettered and skipped, restore counts ({@link
 * org.referralexchange.kafka.streams.StoreRestores}), and {@link
 * org.referralexchange.kafka.streams.EventSerdes} to read and write the exchange's topics in their
 * one wire format. Listener containers for commands take their error handler from {@link
 * org.referralexchange.kafka.streams.ListenerErrorHandlers}. Every dead-letter record, here and in
 * {@code DeadLetterWriter}, is made by {@link org.referralexchange.kafka.streams.DeadLetters}.
 */
package org.referralexchange.kafka.streams;
