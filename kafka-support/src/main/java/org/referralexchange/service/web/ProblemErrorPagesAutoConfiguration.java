package org.referralexchange.service.web;

import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * Installs {@link ProblemErrorReportValve} in every service that runs embedded Tomcat: the
 * gateway's clients and the adapter's webhook providers get a {@code malformed-request} problem,
 * never Tomcat's HTML, for requests Tomcat refuses itself.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({Tomcat.class, TomcatContextCustomizer.class})
public class ProblemErrorPagesAutoConfiguration {

  @Bean
  TomcatContextCustomizer problemErrorReports() {
    return context -> {
      if (context.getParent() instanceof StandardHost host) {
        host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
      }
    };
  }
}
