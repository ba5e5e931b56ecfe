package org.referralexchange.adapter.directory;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How this adapter signs its directory entries, under {@code adapter.directory.*}.
 *
 * @param adapterId which adapter deployment lists a provider: instances sharing a configuration
 *     share it (by default the ownership group id), and an adapter withdraws only the entries it
 *     listed itself, so two deployments serving different providers never undo each other
 */
@Validated
@ConfigurationProperties("adapter.directory")
public record DirectoryProperties(@NotBlank String adapterId) {}
