package org.referralexchange.gateway.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.TestPropertySource;

/**
 * A test of the security layer against a mock servlet environment: {@link
 * SecurityTestConfiguration} plus the production security configuration and {@code /api/v1/me},
 * never the whole application.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(
    classes = {SecurityTestConfiguration.class, SecurityConfiguration.class, MeController.class},
    webEnvironment = SpringBootTest.WebEnvironment.MOCK)
@TestPropertySource(locations = "classpath:security-test.properties")
@interface SecuritySliceTest {}
