package org.referralexchange.testing.browser;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The test class drives a real headless Chromium: a {@link Browser} parameter of a {@code
 * BeforeAll}, {@code BeforeEach} or test method is the class's one browser, started on first use
 * and quit after the class. Where Debian's {@code chromium} or {@code chromium-driver} is missing,
 * the class is skipped (as {@code @Testcontainers(disabledWithoutDocker = true)} skips without
 * Docker), naming what is missing; its {@code BeforeAll} does not run.
 *
 * <p>The binaries are {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}, or the system
 * properties {@value Browser#CHROMIUM_PROPERTY} and {@value Browser#CHROMEDRIVER_PROPERTY}.
 * Selenium Manager is never asked: nothing is downloaded.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealBrowserExtension.class)
public @interface RealBrowser {}
