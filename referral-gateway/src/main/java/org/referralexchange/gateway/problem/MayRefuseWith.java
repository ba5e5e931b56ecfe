package org.referralexchange.gateway.problem;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The problems a handler's own rules can answer with, beside those every call, body, parameter or
 * named resource can meet (the API document adds those by the operation's shape). Read by the
 * OpenAPI document, so the contract lists them next to the code that throws them.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface MayRefuseWith {

  ProblemCatalog.Group[] value();
}
