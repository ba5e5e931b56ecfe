package org.referralexchange.local;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The life of a fault suite: one {@link FaultBench} for the class, started by the suite's
 * {@code @BeforeAll}, scenarios in order, and after the last one the suite's rows written to the
 * report and the exchange stopped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.MINUTES)
abstract class FaultSuite {

  FaultBench bench;

  @AfterAll
  void writeTheReportAndStop() throws Exception {
    if (bench != null) {
      bench.stop();
    }
  }
}
