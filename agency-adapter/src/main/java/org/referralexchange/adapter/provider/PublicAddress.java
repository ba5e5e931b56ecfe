package org.referralexchange.adapter.provider;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where providers reach this adapter ({@code adapter.public-base-url}, env {@code
 * ADAPTER_PUBLIC_BASE_URL}): the base of the endpoints written into what providers call back, such
 * as a FHIR Subscription's {@code channel.endpoint}. Port 0 stands for the port the server actually
 * listens on (tests and local runs with a random port).
 */
@ConfigurationProperties("adapter")
public record PublicAddress(@DefaultValue("http://127.0.0.1:0") URI publicBaseUrl) {}
